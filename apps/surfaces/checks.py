"""System check: every view a tenant's domain serves stands on a tenant-surface base and declares
`tenant_access` (registered by apps.portal, the assembly that serves the tenant urlconf).

`surfaces.E001`: a view not on a base (TenantPortalMixin, a tenant API base, or
`tenant_portal_view`); `surfaces.E002`: a view on a base without a valid `tenant_access`;
`surfaces.E003`: a tenant API view that replaced the base's permission. The few views that are
no tenant surface at all are listed in EXEMPT with their reason.
"""

from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.urls import URLPattern, URLResolver, get_resolver

from .api import TenantAccess, TenantAPIMixin, declared_access
from .portal import TenantPortalMixin

# Views served on a tenant's domain that are not tenant surfaces: module prefix → reason.
EXEMPT: dict[str, str] = {
    "allauth.": "django-allauth's sign-in, sign-up and password pages authenticate on their own",
    "apps.security.otp_views.": "allauth's second-factor step with codes by email or SMS authenticates itself",
    "django.views.generic.base.RedirectView": "a redirect serves no data (the bare domain → /manage/)",
    "django.views.static.": "static files in development",
    "apps.core.views.healthz": "the liveness probe answers without reading tenant data",
    "apps.core.views.readyz": "the readiness probe checks the database, broker and migrations, no tenant data",
}


def tenant_view_entries(patterns: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(route, callback) for every view under these URL patterns, includes followed."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from tenant_view_entries(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def view_target(callback: Any) -> Any:
    """The class (DRF or Django CBV) or function that a URL's callback runs."""
    return getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback


def _qualname(target: Any) -> str:
    return f"{getattr(target, '__module__', '')}.{getattr(target, '__qualname__', repr(target))}"


def is_exempt(name: str) -> bool:
    return any(name == prefix or (prefix.endswith(".") and name.startswith(prefix)) for prefix in EXEMPT)


def surface_errors(patterns: Iterable[Any]) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    seen: set[Any] = set()
    for route, callback in tenant_view_entries(patterns):
        target = view_target(callback)
        name = _qualname(target)
        if target in seen or is_exempt(name):
            continue
        seen.add(target)
        on_base = (isinstance(target, type) and issubclass(target, (TenantAPIMixin, TenantPortalMixin))) or bool(
            getattr(target, "tenant_surface", False)
        )
        if not on_base:
            errors.append(
                Error(
                    f"{name} (/{route}) is served on tenant domains but is not on a tenant-surface base.",
                    hint="Base it on apps.surfaces.api / apps.surfaces.portal, or wrap it with tenant_portal_view.",
                    obj=target,
                    id="surfaces.E001",
                )
            )
            continue
        if declared_access(target) is None:
            errors.append(
                Error(
                    f"{name} (/{route}) does not declare tenant_access, so it refuses everyone.",
                    hint='Declare tenant_access = "member" | "admin" | "member_read_admin_write" | "public".',
                    obj=target,
                    id="surfaces.E002",
                )
            )
        elif (
            isinstance(target, type)
            and issubclass(target, TenantAPIMixin)
            and TenantAccess not in list(target.permission_classes)
        ):
            errors.append(
                Error(
                    f"{name} (/{route}) replaces the TenantAccess permission of its base.",
                    hint="Declare tenant_access / resource_family / required_scopes instead of permission_classes.",
                    obj=target,
                    id="surfaces.E003",
                )
            )
    return errors


@register(Tags.security, Tags.urls)
def tenant_surfaces_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return surface_errors(get_resolver(settings.ROOT_URLCONF).url_patterns)
