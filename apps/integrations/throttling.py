from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiKey


class ApiKeyRateThrottle(SimpleRateThrottle):
    """API_KEY_RATE requests per key; requests not made with a key are not counted here."""

    scope = "api_key"

    def get_rate(self) -> str:
        # Read on every request (not at import, as DRF's THROTTLE_RATES is) so the setting can change.
        return settings.API_KEY_RATE

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not isinstance(request.auth, ApiKey):
            return None
        # The cache key function already adds the schema; the random prefix keeps keys apart across
        # test databases and restores where ids are reused.
        return self.cache_format % {"scope": self.scope, "ident": f"{request.auth.prefix}-{request.auth.pk}"}
