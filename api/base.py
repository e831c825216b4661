"""What every API view shares: token auth, scope, throttling, ETag and Idempotency-Key."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags, quote_etag
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api.exceptions import Conflict, Unprocessable
from api.models import IdempotencyRecord
from api.permissions import request_token, request_workspace
from workspaces.models import Workspace

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")


class ApiViewMixin:
    """ETag on every successful read (304 for a matching If-None-Match)."""

    @property
    def workspace(self) -> Workspace:
        return request_workspace(self.request)

    def get_queryset(self) -> QuerySet:
        """Return the view's `queryset` limited to the token's workspace."""
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no token
            return queryset.none()
        return queryset.filter(workspace=self.workspace)

    def finalize_response(
        self, request: Request, response: HttpResponse, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        response = super().finalize_response(request, response, *args, **kwargs)
        # The answer depends on the token: no shared cache may hand it to another caller.
        patch_vary_headers(response, ["Authorization"])
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            etag = quote_etag(hashlib.sha256(response.content).hexdigest()[:40])
            response["ETag"] = etag
            response["Cache-Control"] = "private, no-cache"
            offered = parse_etags(request.headers.get("If-None-Match", ""))
            if etag in offered or "*" in offered:
                response.status_code = status.HTTP_304_NOT_MODIFIED
                response.content = b""
                del response["Content-Type"]
        return response


def request_fingerprint(request: Request, body: bytes) -> str:
    """Return what must match for a retry to replay the first answer: method, path, body."""
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def idempotency_key(request: Request) -> str | None:
    """Return the request's Idempotency-Key, None without one; refuse a malformed one."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise Unprocessable(
            "The Idempotency-Key must be 1 to 255 visible ASCII characters, e.g. a UUID.",
            code="invalid_idempotency_key",
        )
    return key


def replay_or_none(request: Request, key: str, fingerprint: str) -> HttpResponse | None:
    """Return the stored answer for `key`, None when it is new; refuse a different request."""
    record = IdempotencyRecord.objects.filter(token=request_token(request), key=key).first()
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise Unprocessable(
            "This Idempotency-Key was already used for a different request: use a new key "
            "for a new request.",
            code="idempotency_key_reused",
        )
    replay = HttpResponse(bytes(record.body), status=record.status_code)
    replay["Content-Type"] = record.content_type
    if record.location:
        replay["Location"] = record.location
    replay["Idempotent-Replayed"] = "true"
    return replay


def remember(request: Request, key: str, fingerprint: str, response: Response) -> None:
    """Store a creating POST's answer under its key (not server errors nor throttling)."""
    if response.status_code >= 500 or response.status_code == 429:
        return
    body = JSONRenderer().render(response.data) if response.data is not None else b""
    IdempotencyRecord.objects.create(
        token=request_token(request),
        key=key,
        request_hash=fingerprint,
        status_code=response.status_code,
        body=body,
        location=response.get("Location", ""),
    )


class IdempotentCreateMixin:
    """Honour `Idempotency-Key` on POST: the same request again gets the first answer."""

    def post(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        key = idempotency_key(request)
        if key is None:
            return super().post(request, *args, **kwargs)
        fingerprint = request_fingerprint(request, request.body)
        replay = replay_or_none(request, key, fingerprint)
        if replay is not None:
            return replay
        try:
            # The creation and its record commit together: of two concurrent requests with
            # the same key, the second fails on the key's unique constraint and rolls back.
            with transaction.atomic():
                response = super().post(request, *args, **kwargs)
                remember(request, key, fingerprint, response)
        except IntegrityError:
            replay = replay_or_none(request, key, fingerprint)
            if replay is not None:
                return replay
            raise Conflict(
                "Another request with this Idempotency-Key is being processed: retry shortly.",
                code="idempotency_conflict",
            ) from None
        return response
