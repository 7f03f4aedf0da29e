from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .mfa import has_mfa_factor

# Paths a staff user without a factor may still reach: sign-in, MFA enrolment, health, metrics, assets.
_OPEN_PREFIXES = ("/accounts/", "/healthz", "/readyz", "/metrics", "/static/", "/media/")


class StaffMfaRequiredMiddleware:
    """Every staff user must have a second factor before using the platform domain (admin, API).

    Sign-in itself goes through allauth (the admin login is redirected there), whose MFA stage asks
    for the factor; this middleware sends a staff user who has none to enrol one first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._must_enrol(request):
            if request.path.startswith("/api/"):
                detail = "Staff must enrol a second factor (TOTP or security key) before using the platform API."
                return JsonResponse({"detail": detail, "code": "mfa_required"}, status=403)
            return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _must_enrol(request: HttpRequest) -> bool:
        tenant = getattr(request, "tenant", None)
        user = getattr(request, "user", None)
        return bool(
            tenant is not None
            and tenant.schema_name == "public"
            and user is not None
            and user.is_authenticated
            and user.is_staff
            and not request.path.startswith(_OPEN_PREFIXES)
            and not has_mfa_factor(user)
        )
