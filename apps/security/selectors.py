"""Reads for sign-in security: locks, tracked sessions, MFA factors and the MFA policy."""

import hashlib
from typing import Any

from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404
from django_tenants.utils import get_public_schema_name, schema_context

from apps.accounts.mfa import FACTOR_TYPES
from apps.accounts.models import User
from apps.accounts.selectors import active_membership_for
from apps.core import hooks

from .models import UserSession
from .otp_selectors import otp_factors_usable


def _email_digest(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def unknown_email_cache_key(email: str, what: str) -> str:
    return f"security:login:{what}:{_email_digest(email)}"


def public_cache() -> Any:
    """Cache keys carry the active schema (django-tenants KEY_FUNCTION); lockout keys must not
    depend on which domain the sign-in came through, so they are always read and written as public."""
    return schema_context(get_public_schema_name())


def user_for_login(*, email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first()


def login_is_locked(*, email: str) -> bool:
    """Whether sign-in with this email is refused now, whether or not an account has that email."""
    user = user_for_login(email=email)
    if user is not None:
        return user.is_locked
    with public_cache():
        return bool(cache.get(unknown_email_cache_key(email, "locked")))


def user_sessions_open(*, user: Any) -> QuerySet[UserSession]:
    return UserSession.objects.open().filter(user=user).order_by("-last_seen_at", "-id")


def user_session_get_for_user(*, user: Any, pk: Any) -> UserSession:
    """One of the user's own open sessions; the same 404 for someone else's and for a missing one."""
    session = user_sessions_open(user=user).filter(pk=pk).first()
    if session is None:
        raise Http404("No such session.")
    return session


def mfa_factors_for(*, user: Any) -> QuerySet[Authenticator]:
    return Authenticator.objects.filter(user=user).order_by("type", "created_at")


def mfa_required_for(*, user: Any) -> bool:
    """Staff, and active members of any tenant that requires MFA of them, must keep a second factor."""
    if user.is_staff:
        return True
    # Hook "security.mfa_required_anywhere": `fn(user) -> bool`, the tenant flag or an entity's policy
    # (apps.policy declares it in its contributions.py).
    return any(check(user) for check in hooks.all("security.mfa_required_anywhere"))


def strong_factors_for(*, user: Any) -> QuerySet[Authenticator]:
    """TOTP and security keys; recovery codes only back those up and do not count on their own."""
    return Authenticator.objects.filter(user=user, type__in=FACTOR_TYPES)


def tenant_mfa_enrolment_required(*, user: Any, tenant: Any) -> bool:
    """An active member of a tenant that requires MFA of them (the tenant flag, or the security policy
    of an entity they belong to), without a TOTP or security key yet; run in the tenant's schema.

    The portal and session-authenticated API are guarded by TenantMfaPolicyMiddleware; callers that
    authenticate inside a view (API tokens) can ask this too.
    """
    if tenant is None or not user.is_authenticated:
        return False
    # Hook "security.mfa_required_in_tenant": `fn(user, tenant) -> bool`, the flag or an entity's policy
    # (apps.policy declares it in its contributions.py).
    if not any(check(user, tenant) for check in hooks.all("security.mfa_required_in_tenant")):
        return False
    if active_membership_for(user=user, tenant=tenant) is None or strong_factors_for(user=user).exists():
        return False
    return not otp_factors_usable(user=user, tenant=tenant)  # a code factor the policy allows counts too
