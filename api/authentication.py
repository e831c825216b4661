"""`Authorization: Bearer <token>` for the JSON API."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from api.models import ApiToken
from api.selectors import api_token_find
from api.services import api_token_touch

# One message for an unknown, revoked or expired token alike: the answer tells a caller
# holding someone else's old token nothing about it.
REFUSED = "The API token is not valid: it is unknown, revoked or expired. Ask an admin for one."


class BearerTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[object, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(
                "Send the token as `Authorization: Bearer <token>`, with nothing else.",
                code="malformed_authorization",
            )
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(REFUSED, code="invalid_token") from None
        now = timezone.now()
        token = api_token_find(raw=raw)
        if token is None or not token.is_usable(now):
            raise AuthenticationFailed(REFUSED, code="invalid_token")
        api_token_touch(token=token, now=now)
        return (token.created_by or AnonymousUser(), token)

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="AdoptReady API"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer"}
