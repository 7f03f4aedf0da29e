from django.conf import settings
from django.http import HttpRequest


def product(request: HttpRequest) -> dict[str, object]:
    return {"PRODUCT_NAME": settings.PRODUCT_NAME, "current_tenant": getattr(request, "tenant", None)}


def portal_navigation(request: HttpRequest) -> dict[str, object]:
    """The portal menu (tenant domains only; lazily built, so other pages pay nothing)."""
    from django.utils.functional import SimpleLazyObject

    from apps.portal.navigation import portal_menu
    from apps.portal.navigation import portal_navigation as build

    nav = SimpleLazyObject(lambda: build(request))
    return {"portal_nav": nav, "portal_menu": SimpleLazyObject(lambda: portal_menu(list(nav)))}


def branding(request: HttpRequest) -> dict[str, object]:
    """The branding the requesting person sees (apps.branding; lazily resolved, usually from cache)."""
    from django.utils.functional import SimpleLazyObject

    from apps.branding.selectors import branding_for_request

    return {"branding": SimpleLazyObject(lambda: branding_for_request(request))}
