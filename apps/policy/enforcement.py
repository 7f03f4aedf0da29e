"""The checks the policy imposes at sign-in and on each request, shared by the allauth adapter, the
middleware and the API authentication. Each returns a Refusal (a stable code and a message) or None."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from allauth.account.internal.stagekit import clear_login
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from apps.security.context import current_tenant
from apps.security.models import AuthEvent
from apps.security.services import auth_event_record

from .models import LoginMethod
from .selectors import EffectivePolicy, policy_effective_for_user


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


def ip_refusal(policy: EffectivePolicy, address: str | None, tenant: Any) -> Refusal | None:
    if policy.ip_allowed(address):
        return None
    return Refusal(
        "ip_not_allowed",
        f"{tenant.name} does not allow access from your network address ({address or 'unknown'}). "
        "Connect from an allowed network, or ask an administrator.",
    )


def login_refusal(*, user: Any, tenant: Any, method: str, ip_address: str | None) -> Refusal | None:
    """Why this sign-in to the tenant is refused by its security policy, or None when it may go ahead."""
    if tenant is None or tenant.schema_name == get_public_schema_name() or not getattr(user, "pk", None):
        return None  # the platform domain has no organisation, so no security policy
    policy = policy_effective_for_user(user, tenant=tenant)
    if not policy.login_method_allowed(method):
        allowed = ", ".join(LoginMethod(m).label for m in policy.allowed_login_methods.value) or "none"
        return Refusal(
            "login_method_not_allowed",
            f"{tenant.name} does not allow signing in this way ({LoginMethod(method).label}). Allowed: {allowed}.",
        )
    return ip_refusal(policy, ip_address, tenant)


def password_expired(policy: EffectivePolicy, user: Any) -> bool:
    """Older than the expiry (0: never). A password never changed counts from the account's creation."""
    days = policy.password_expiry_days.value
    if not days or not user.has_usable_password():
        return False
    changed = getattr(user, "last_password_change", None) or getattr(user, "created_at", None)
    return changed is not None and timezone.now() - changed > timedelta(days=days)


PASSWORD_EXPIRED = Refusal(
    "password_expired", "Your password has expired under your organisation's security policy. Choose a new one."
)


def web_login_refused(request: HttpRequest, user: Any) -> HttpResponse | None:
    """For the allauth adapter's pre_login (after the password, before any second factor): the
    redirect back to the sign-in page with the reason, or None when the sign-in may go ahead."""
    tenant = current_tenant(request)
    refusal = login_refusal(
        user=user, tenant=tenant, method=LoginMethod.PASSWORD, ip_address=request.META.get("REMOTE_ADDR")
    )
    if refusal is None:
        return None
    auth_event_record(kind=AuthEvent.Kind.LOGIN_FAILED, user=user, tenant=tenant, detail={"reason": refusal.code})
    clear_login(request)
    messages.error(request, refusal.message)
    return redirect("account_login")
