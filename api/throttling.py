"""Per-token request limits: 429 with Retry-After past the rate."""

from __future__ import annotations

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """Count requests per token (per client address before a token is known)."""

    scope = "token"

    def get_rate(self) -> str:
        # Read when used, not when the class is defined, so settings overrides apply.
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request: Request, view: object) -> str:
        token = request.auth
        ident = f"t{token.pk}" if isinstance(token, ApiToken) else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
