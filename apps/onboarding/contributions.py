"""What onboarding adds: /signup/ and /onboarding/ on the platform domain, the company profile page
and endpoint on tenant domains, its API-key scopes, and the answer to "may people sign up here?"."""

from apps.core.contributions import (
    Hook,
    MenuEntry,
    PlatformUrls,
    PortalUrls,
    ScopeFamily,
    TenantApiUrls,
    contribute,
)

contribute(
    PlatformUrls("signup/", "apps.onboarding.signup_urls", order=30),
    PlatformUrls("onboarding/", "apps.onboarding.urls", order=30),
    PortalUrls("manage/company/", "apps.onboarding.portal.urls", order=55),
    MenuEntry("Company profile", "company:profile", admin_only=False, order=15),
    TenantApiUrls("apps.onboarding.api.urls", order=6),
    ScopeFamily("company", "Company profile", ("read", "write"), order=12),
    Hook("security.signup_open", "apps.onboarding.services.signup_open"),
)
