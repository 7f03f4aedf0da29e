"""The security policy on every signed-in request on a tenant's domain.

- Session idle and absolute timeouts (everywhere on the tenant domain): the sign-in time and the
  last activity are kept in the session; past either limit the person is signed out, sent to sign
  in again with a message (the API answers 401 with code `session_idle_timeout` /
  `session_absolute_timeout`).
- IP allow-list on the portal and the API: 403 with code `ip_not_allowed`.
- Password expiry on the portal and the API: the portal sends the person to change their password,
  the API answers 403 with code `password_expired`.

The person's effective policy is cached (apps.policy.selectors), so the common case costs no query.
Needs request.user and messages: place after MessageMiddleware, before TenantMfaPolicyMiddleware.
"""

import time
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_tenants.utils import get_public_schema_name

from .enforcement import PASSWORD_EXPIRED, Refusal, ip_refusal, password_expired
from .selectors import EffectivePolicy, policy_effective_for_user

GUARDED_PREFIXES = ("/manage/", "/api/v1/")
SESSION_LOGIN_AT = "policy.login_at"
SESSION_SEEN_AT = "policy.seen_at"
# Activity is written to the session at most this often (and at most every tenth of the idle limit).
SEEN_EVERY_SECONDS = 60


def session_activity_start(session: Any, now: float | None = None) -> None:
    """Start both clocks (on sign-in, or on the first request of a session that predates them)."""
    session[SESSION_LOGIN_AT] = session[SESSION_SEEN_AT] = now if now is not None else time.time()


def session_timeout(session: Any, policy: EffectivePolicy, tenant: Any) -> Refusal | None:
    now = time.time()
    login_at, seen_at = session.get(SESSION_LOGIN_AT), session.get(SESSION_SEEN_AT)
    if login_at is None or seen_at is None:
        session_activity_start(session, now)
        return None
    hours = policy.session_absolute_timeout_hours.value
    if now - login_at > hours * 3600:
        message = f"You were signed out: {tenant.name} allows a session to last {hours} hours. Please sign in again."
        return Refusal("session_absolute_timeout", message)
    idle_seconds = policy.session_idle_timeout_minutes.value * 60
    if now - seen_at > idle_seconds:
        minutes = policy.session_idle_timeout_minutes.value
        message = f"You were signed out after {minutes} minutes without activity. Please sign in again."
        return Refusal("session_idle_timeout", message)
    if now - seen_at >= min(SEEN_EVERY_SECONDS, idle_seconds / 10):
        session[SESSION_SEEN_AT] = now
    return None


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _refused(refusal: Refusal, status: int) -> JsonResponse:
    return JsonResponse({"detail": refusal.message, "code": refusal.code}, status=status)


class SecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self._enforce(request) or self.get_response(request)

    def _enforce(self, request: HttpRequest) -> HttpResponse | None:
        tenant = getattr(request, "tenant", None)
        user = getattr(request, "user", None)
        if tenant is None or tenant.schema_name == get_public_schema_name() or user is None:
            return None
        if not user.is_authenticated or getattr(user, "is_service_principal", False):
            return None
        policy = policy_effective_for_user(user, tenant=tenant)
        timeout = session_timeout(request.session, policy, tenant)
        if timeout is not None:
            return self._sign_out(request, timeout)
        if not request.path.startswith(GUARDED_PREFIXES):
            return None
        refusal = ip_refusal(policy, request.META.get("REMOTE_ADDR"), tenant)
        if refusal is not None:
            if _is_api(request):
                return _refused(refusal, 403)
            raise PermissionDenied(refusal.message)
        # Staff impersonating the person cannot change their password (apps/security/impersonation.py).
        if password_expired(policy, user) and getattr(request, "impersonation", None) is None:
            return self._password_change(request)
        return None

    @staticmethod
    def _sign_out(request: HttpRequest, refusal: Refusal) -> HttpResponse:
        logout(request)
        if _is_api(request):
            return _refused(refusal, 401)
        messages.info(request, refusal.message)
        if request.method != "GET" or request.path.startswith("/accounts/"):
            return redirect("account_login")  # back to where they were only for a page they were reading
        return redirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")

    @staticmethod
    def _password_change(request: HttpRequest) -> HttpResponse:
        if _is_api(request):
            return _refused(PASSWORD_EXPIRED, 403)
        messages.warning(request, PASSWORD_EXPIRED.message)
        return redirect(f"{reverse('account_change_password')}?{urlencode({'next': request.get_full_path()})}")
