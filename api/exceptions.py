"""Every API error as JSON: a stable `code`, a sentence, and a message per field."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

NON_FIELD = "non_field_errors"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


def _is_leaf(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"message", "code"}


def field_errors(
    details: Any, prefix: str = "", into: dict[str, list[dict[str, str]]] | None = None
) -> dict[str, list[dict[str, str]]]:
    """Return `{field: [{message, code}]}` from DRF's full details of a validation error.

    Nested fields are named with dots, and rows of a list by their index
    (`invitations.2.email`), so a bulk request says which row is wrong.
    """
    errors = {} if into is None else into
    if _is_leaf(details):
        errors.setdefault(prefix or NON_FIELD, []).append(
            {"message": str(details["message"]), "code": str(details["code"])}
        )
    elif isinstance(details, dict):
        for name, value in details.items():
            name = NON_FIELD if name == "__all__" else str(name)
            field_errors(value, f"{prefix}.{name}" if prefix else name, errors)
    elif isinstance(details, list):
        for index, value in enumerate(details):
            if _is_leaf(value):
                field_errors(value, prefix, errors)
            elif value:
                field_errors(value, f"{prefix}.{index}" if prefix else str(index), errors)
    return errors


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn any expected exception into the API's JSON error body."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found: no such object in this workspace.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = field_errors(exc.get_full_details())
        response.data = {
            "code": "invalid",
            "message": "The request has invalid fields: see `errors` for a message per field.",
            "errors": errors,
        }
        return response
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    code = codes if isinstance(codes, str) else getattr(exc, "default_code", "error")
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    response.data = {"code": code, "message": str(detail), "errors": {}}
    return response
