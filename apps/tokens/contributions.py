"""What tokens adds: the token endpoints of the tenant API (/api/v1/auth/)."""

from apps.core.contributions import TenantApiUrls, contribute

contribute(TenantApiUrls("apps.tokens.api.urls", prefix="auth/", order=30))
