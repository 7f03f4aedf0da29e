"""Staff impersonation: support or super-admin staff sign in to a tenant's portal as one of its members.

- Started from the staff admin (apps/security/admin.py) with a reason and a time limit (default 15,
  at most 30 minutes) by `impersonation_start`, which checks every rule, records an
  `ImpersonationSession` (history, an `impersonation.started` audit event on the tenant's chain, so the
  tenant's activity timeline lists it, and the domain event of the same name) and issues a sign-in
  hand-off (apps/accounts/handoff.py, purpose "impersonation") to the tenant's domain.
- While it runs, `ImpersonationMiddleware` finds it from the hand-off kept in the session, ends it at
  its expiry (signed out, `end_reason="expired"`), and refuses the person's security pages: password,
  email, MFA, their sessions and account pages, API keys, API tokens, the security policy's edit page.
  `impersonation_banner` (a context processor) gives the portal's banner its data.
- "End impersonation" (the banner's button), signing out and staff's admin action end it.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import ResolverMatch, reverse
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from apps.accounts.handoff import HANDOFF_SESSION_KEY, HandoffRefused, handoff_issue, handoff_url
from apps.accounts.models import Membership
from apps.accounts.staff_roles import SUPER_ADMIN, SUPPORT, is_super_admin
from apps.audit import writes
from apps.audit.services import audit_record
from apps.core import hooks
from apps.core.events import publish
from apps.core.links import site_base_url

from .models import IMPERSONATION_DEFAULT_MINUTES, IMPERSONATION_MAX_MINUTES, ImpersonationSession

PURPOSE = "impersonation"
PLATFORM_URLCONF = "config.urls.platform"
REASON_MAX_LENGTH = 500
STAFF_ROLES = (SUPER_ADMIN, SUPPORT)

FORBIDDEN_MESSAGE = (
    "You are signed in as {member} through staff impersonation. Their password, email, two-factor "
    "authentication, sessions, API keys and tokens and security settings cannot be viewed or changed "
    "while impersonating."
)
ENDED_MESSAGE = "The impersonation has ended; sign in again from the staff admin if you still need to."

# What an impersonating staff member may not open (resolved URL names and namespaces, so no app is
# imported): allauth's account and MFA pages but signing out, the person's account pages
# (apps.security), API keys (apps.integrations), API tokens (apps.tokens), editing the security policy.
FORBIDDEN_NAMESPACES = frozenset({"account", "api-keys", "api-keys-api", "tokens-api"})
FORBIDDEN_VIEWS = frozenset({("policy", "edit")})
ALLOWED_ALLAUTH_NAMES = frozenset({"account_logout", "account_login"})
FORBIDDEN_ALLAUTH_PREFIXES = ("account_", "mfa_", "usersessions_")


def may_impersonate(user: Any) -> bool:
    """Support and super-admin staff may start an impersonation (billing admins may not)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_staff", False):
        return False
    return is_super_admin(user) or user.groups.filter(name__in=STAFF_ROLES).exists()


def impersonation_payload(session: ImpersonationSession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "staff_user": session.staff_user.code,
        "user": session.impersonated_user.code,
        "reason": session.reason,
        "started_at": session.started_at.isoformat(),
        "expires_at": session.expires_at.isoformat(),
        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
        "end_reason": session.end_reason,
    }


# --- Writes --------------------------------------------------------------------------------------


def _minutes_clean(minutes: Any) -> int:
    try:
        value = int(minutes)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= IMPERSONATION_MAX_MINUTES:
        raise ValidationError(
            {"minutes": ValidationError(f"The time limit is 1 to {IMPERSONATION_MAX_MINUTES} minutes.", "invalid")}
        )
    return value


def _rules_check(*, staff_user: Any, membership: Membership, reason: str) -> None:
    if not may_impersonate(staff_user):
        raise ValidationError("Only support and super admin staff may sign in as a member.", code="staff_role_required")
    if not reason:
        message = "Give the reason for signing in as this member: the organisation sees it in its activity log."
        raise ValidationError({"reason": ValidationError(message, code="required")})
    member, tenant = membership.user, membership.tenant
    if membership.status != Membership.Status.ACTIVE or not member.is_active or member.deleted_at is not None:
        raise ValidationError(f"{member.email} is not an active member of {tenant.name}.", code="not_active_member")
    if member.is_staff or member.pk == staff_user.pk:
        raise ValidationError("Staff accounts cannot be impersonated.", code="staff_not_impersonable")
    # Hook "security.impersonation_refusal": `fn(*, user, tenant) -> str | None`, the reason the tenant
    # forbids it (apps.policy: its security policy's "allow staff impersonation").
    for refusal in hooks.all("security.impersonation_refusal"):
        message = refusal(user=member, tenant=tenant)
        if message:
            raise ValidationError(message, code="impersonation_forbidden")


@transaction.atomic
def impersonation_start(
    *, staff_user: Any, membership: Membership, reason: str, minutes: Any = IMPERSONATION_DEFAULT_MINUTES
) -> tuple[ImpersonationSession, str]:
    """Start signing `staff_user` in as the member; returns the session and the hand-off link that
    signs their browser in on the tenant's domain (one-time, two minutes)."""
    membership = Membership.objects.select_related("user", "tenant").get(pk=membership.pk)
    reason = " ".join(str(reason or "").split())[:REASON_MAX_LENGTH]
    _rules_check(staff_user=staff_user, membership=membership, reason=reason)
    duration = _minutes_clean(minutes)
    now = timezone.now()
    session = ImpersonationSession(
        staff_user=staff_user, impersonated_user=membership.user, tenant=membership.tenant, reason=reason,
        started_at=now, expires_at=now + timedelta(minutes=duration),
    )  # fmt: skip
    writes.save(session, acting_user=staff_user)
    token = handoff_issue(
        user=membership.user, tenant=membership.tenant, purpose=PURPOSE, created_by=staff_user,
        payload={"impersonation": session.pk},
    )  # fmt: skip
    try:
        url = handoff_url(token=token, tenant=membership.tenant)
    except HandoffRefused as exc:
        raise ValidationError(str(exc), code="no_domain") from None
    audit_record(
        action="impersonation.started", acting_user=staff_user, tenant=membership.tenant, target=session,
        subject_user=membership.user,
        after={"user": membership.user.code, "reason": reason, "minutes": duration, "expires_at": session.expires_at},
    )  # fmt: skip
    publish("impersonation.started", impersonation_payload(session), tenant=membership.tenant)
    return session, url


@transaction.atomic
def impersonation_end(*, session: ImpersonationSession, end_reason: str, acting_user: Any) -> ImpersonationSession:
    """End the impersonation (idempotent: an ended one is returned as it is)."""
    session = writes.locked(session, "staff_user", "impersonated_user", "tenant")
    if session.ended_at is not None:
        return session
    session.ended_at, session.end_reason = timezone.now(), end_reason
    writes.save(session, acting_user=acting_user)
    audit_record(
        action="impersonation.ended", acting_user=acting_user, tenant=session.tenant, target=session,
        subject_user=session.impersonated_user,
        after={"user": session.impersonated_user.code, "end_reason": end_reason, "ended_at": session.ended_at},
    )  # fmt: skip
    publish("impersonation.ended", impersonation_payload(session), tenant=session.tenant)
    return session


# --- Reads ---------------------------------------------------------------------------------------


def impersonation_id_in(session: Any) -> int | None:
    """The impersonation this browser session belongs to (from its sign-in hand-off), if any."""
    data = session.get(HANDOFF_SESSION_KEY) if session is not None else None
    if not isinstance(data, dict) or data.get("purpose") != PURPOSE:
        return None
    value = data.get("impersonation")
    return value if isinstance(value, int) else None


def impersonation_admin_url(session: ImpersonationSession) -> str:
    """The impersonation's page in the staff admin, on the platform domain."""
    path = reverse("admin:security_impersonationsession_change", args=[session.pk], urlconf=PLATFORM_URLCONF)
    return site_base_url(settings.PLATFORM_DOMAIN) + path


def impersonation_forbidden(match: ResolverMatch | None) -> bool:
    """Whether the resolved view is one an impersonating staff member may not open."""
    if match is None:
        return False
    if FORBIDDEN_NAMESPACES.intersection(match.namespaces) or (match.namespace, match.url_name) in FORBIDDEN_VIEWS:
        return True
    name = match.url_name or ""
    return not match.namespace and name.startswith(FORBIDDEN_ALLAUTH_PREFIXES) and name not in ALLOWED_ALLAUTH_NAMES


# --- Request side --------------------------------------------------------------------------------


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class ImpersonationMiddleware:
    """On a tenant's domain, for a browser signed in by an impersonation hand-off: keep the running
    impersonation on `request.impersonation` (one query), sign out at its end, refuse security pages.

    Place after AuthenticationMiddleware and MessageMiddleware, before the security policy and tenant
    MFA middlewares (they leave an impersonation alone: the staff member passed MFA on the platform).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.impersonation = None  # type: ignore[attr-defined]
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.schema_name == get_public_schema_name():
            return self.get_response(request)
        pk = impersonation_id_in(getattr(request, "session", None))
        if pk is None:
            return self.get_response(request)
        session = ImpersonationSession.objects.select_related("staff_user", "impersonated_user").filter(pk=pk).first()
        user = getattr(request, "user", None)
        if (
            session is None
            or session.tenant_id != tenant.pk
            or session.impersonated_user_id != getattr(user, "pk", None)
        ):
            logout(request)
            return self.get_response(request)
        if not session.is_active:
            if session.ended_at is None:
                impersonation_end(session=session, end_reason=ImpersonationSession.EndReason.EXPIRED, acting_user=None)
            logout(request)
            return self._ended(request, session)
        request.impersonation = session  # type: ignore[attr-defined]
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> Any:
        session = getattr(request, "impersonation", None)
        if session is None or not impersonation_forbidden(request.resolver_match):
            return None
        message = FORBIDDEN_MESSAGE.format(member=session.impersonated_user.email)
        if _is_api(request):
            return JsonResponse({"detail": message, "code": "impersonation_forbidden"}, status=403)
        return render(request, "403.html", {"exception": message}, status=403)

    @staticmethod
    def _ended(request: HttpRequest, session: ImpersonationSession) -> HttpResponse:
        if _is_api(request):
            return JsonResponse({"detail": ENDED_MESSAGE, "code": "impersonation_ended"}, status=401)
        return HttpResponseRedirect(impersonation_admin_url(session))


def impersonation_banner(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the running impersonation for the portal's banner (no query of its own)."""
    return {"impersonation": getattr(request, "impersonation", None)}


def impersonation_end_here(request: HttpRequest, end_reason: str) -> HttpResponse:
    """End this browser's impersonation, sign it out and send it back to the staff admin."""
    session = getattr(request, "impersonation", None)
    if session is None:
        return HttpResponseRedirect("/manage/")
    session = impersonation_end(session=session, end_reason=end_reason, acting_user=session.staff_user)
    logout(request)
    return HttpResponseRedirect(impersonation_admin_url(session))
