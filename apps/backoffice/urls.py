"""The URL patterns the apps contribute (apps/core/contributions.py), in their declared order.

config/urls/*.py put these between their fixed entries (root redirect, allauth, schema, health).
Within a kind, a lower `order` is tried first: a longer prefix that must win over a shorter one
(`manage/organisation/import/` before `manage/organisation/`) declares a lower order.
"""

from django.urls import URLPattern, URLResolver, include, path

from apps.core.contributions import PlatformApiUrls, PlatformUrls, PortalUrls, TenantApiUrls, contributions

Patterns = list[URLPattern | URLResolver]


def portal_patterns() -> Patterns:
    """Tenant domains: each app's portal pages under its prefix (/manage/...)."""
    return [path(item.prefix, include(item.urlconf)) for item in contributions(PortalUrls)]


def tenant_api_patterns() -> Patterns:
    """The tenant API (/api/v1/...): each app's endpoints."""
    return [path(item.prefix, include(item.urlconf)) for item in contributions(TenantApiUrls)]


def platform_api_patterns() -> Patterns:
    """The platform API (/api/platform/...): each app's staff and operator endpoints."""
    return [path(item.prefix, include(item.urlconf)) for item in contributions(PlatformApiUrls)]


def platform_patterns() -> Patterns:
    """The platform domain: staff pages and provider callbacks, tried before the admin."""
    return [path(item.prefix, include(item.urlconf)) for item in contributions(PlatformUrls)]
