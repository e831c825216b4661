"""Additions to the generated OpenAPI schema."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message", "errors"],
    "properties": {
        "code": {"type": "string", "description": "A stable code, e.g. `invalid`, `not_found`."},
        "message": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "A list of {message, code} per field (dotted for nested fields).",
            "additionalProperties": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["message", "code"],
                    "properties": {"message": {"type": "string"}, "code": {"type": "string"}},
                },
            },
        },
    },
}
ERRORS = {
    "400": "The request has invalid fields.",
    "401": "No token, or a token that is unknown, revoked or expired.",
    "403": "The token may not do this (a read token cannot write).",
    "404": "No such object in this workspace.",
    "405": "The method is not allowed here.",
    "406": "The Accept header asks for a format the API does not serve.",
    "409": "The request conflicts with another one (same Idempotency-Key at once).",
    "415": "The request body's media type is not supported.",
    "422": "The Idempotency-Key is malformed or was used for another request.",
    "429": "Too many requests for this token: retry after Retry-After seconds.",
}
REQUEST_ID = {
    "X-Request-ID": {
        "description": "The id under which the server logged this request.",
        "schema": {"type": "string"},
    }
}


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Document the JSON error answers and the request id header on every operation."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            for status, description in ERRORS.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                )
            if method == "get":
                responses.setdefault("304", {"description": "Not modified (If-None-Match)."})
            for response in responses.values():
                response.setdefault("headers", {}).update(REQUEST_ID)
    return result
