"""Session activity tracking and the tenant MFA policy."""

import time
from collections.abc import Callable
from typing import Any

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_tenants.utils import get_public_schema_name

from .selectors import tenant_mfa_enrolment_required
from .services import SESSION_TRACKING_KEY, user_session_seen

# Last seen is written at most this often per session, not on every request.
SEEN_EVERY_SECONDS = 60
# The tenant surfaces the MFA policy guards; /accounts/ (sign-in, enrolment) stays reachable.
MFA_GUARDED_PREFIXES = ("/manage/", "/api/v1/")
MFA_REQUIRED_MESSAGE = (
    "{tenant} requires two-factor authentication. Set up an authenticator app (or a security key) to continue."
)


class UserSessionActivityMiddleware:
    """Keeps the tracked session's last seen, expiry and key current (at most once a minute).

    Runs after the view, before SessionMiddleware saves the session, so the key Django rotates on a
    password change is followed at once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        tracked = session.get(SESSION_TRACKING_KEY) if session is not None else None
        if tracked and session is not None and session.session_key:
            self._touch(session, tracked)
        return response

    @staticmethod
    def _touch(session: Any, tracked: dict[str, Any]) -> None:
        now = time.time()
        if tracked.get("key") == session.session_key and now - tracked.get("seen", 0) < SEEN_EVERY_SECONDS:
            return
        if not user_session_seen(
            user_session_id=tracked["id"], session_key=session.session_key, expires_at=session.get_expiry_date()
        ):
            session.flush()  # ended elsewhere (revoked): this browser is signed out too
            return
        session[SESSION_TRACKING_KEY] = {**tracked, "key": session.session_key, "seen": now}


class TenantMfaPolicyMiddleware:
    """The MFA policy on tenant domains and on removing factors.

    - An active member of a tenant with `mfa_required` and no TOTP or security key is sent from the
      portal to MFA enrolment (the API answers 403 with code "mfa_required").
    - allauth's security-key removal view does not ask the MFA adapter (its TOTP one does), so the
      "keep your last factor" rule is applied to it here.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        if self._must_enrol(request, tenant):
            return self._refuse(request, tenant)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> Any:
        match = request.resolver_match
        if request.method != "POST" or match is None or match.url_name != "mfa_remove_webauthn":
            return None
        key = Authenticator.objects.filter(
            user_id=request.user.pk, type=Authenticator.Type.WEBAUTHN, pk=view_kwargs.get("pk")
        ).first()
        adapter = get_mfa_adapter()
        if key is None or adapter.can_delete_authenticator(key):
            return None
        messages.error(request, adapter.error_messages["cannot_delete_authenticator"])
        return redirect("mfa_list_webauthn")

    @staticmethod
    def _must_enrol(request: HttpRequest, tenant: Any) -> bool:
        if tenant is None or tenant.schema_name == get_public_schema_name():
            return False
        if getattr(request, "impersonation", None) is not None:
            return False  # staff passed their own MFA on the platform; enrolling the member's is refused
        if not request.path.startswith(MFA_GUARDED_PREFIXES):
            return False
        return tenant_mfa_enrolment_required(user=request.user, tenant=tenant)

    @staticmethod
    def _refuse(request: HttpRequest, tenant: Any) -> HttpResponse:
        message = MFA_REQUIRED_MESSAGE.format(tenant=tenant.name)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "mfa_required"}, status=403)
        messages.warning(request, message)
        return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': request.get_full_path()})}")
