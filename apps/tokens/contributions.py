"""What tokens adds: the token endpoints of the tenant API (/api/v1/auth/), and its answer to
security's "the person's password changed" (every token ends: apps/tokens/hooks.py)."""

from apps.core.contributions import Hook, TenantApiUrls, contribute

contribute(
    TenantApiUrls("apps.tokens.api.urls", prefix="auth/", order=30),
    Hook("security.user_credentials_changed", "apps.tokens.hooks.credentials_changed"),  # apps.security.services
)
