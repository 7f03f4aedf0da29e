from typing import Any

from rest_framework.throttling import SimpleRateThrottle

from apps.sysconfig.readers import api_key_rate

from .models import ApiKey


class ApiKeyRateThrottle(SimpleRateThrottle):
    """ratelimit.api_per_minute requests per key (a system setting; API_KEY_RATE is its fallback).

    Requests not made with a key are not counted here.
    """

    scope = "api_key"

    def get_rate(self) -> str:
        # Read on every request (not at import, as DRF's THROTTLE_RATES is) so the setting can change.
        return api_key_rate()

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not isinstance(request.auth, ApiKey):
            return None
        # The cache key function already adds the schema; the random prefix keeps keys apart across
        # test databases and restores where ids are reused.
        return self.cache_format % {"scope": self.scope, "ident": f"{request.auth.prefix}-{request.auth.pk}"}
