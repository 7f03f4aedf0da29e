"""Writes on invitations. Every change is validated, saved with history and audited in one transaction;
the invitation is published after commit (`invitation.sent`) and
apps.notifications emails it (see contributions.py)."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Membership, User
from apps.accounts.services import membership_create, tenant_seats_check, user_email_mark_verified
from apps.audit import writes
from apps.audit.services import audit_record
from apps.core.events import publish
from apps.core.links import site_base_url
from apps.tenancy.models import Tenant

from .models import Invitation, invitation_token_hash, invitation_token_new
from .payloads import invitation_sent_payload
from .selectors import invitation_for_token

TENANT_URLCONF = "config.urls.tenant"

# What an invitee or admin sees when an invitation can no longer be answered or changed.
CLOSED: dict[str, tuple[str, str]] = {
    Invitation.Status.ACCEPTED: ("This invitation was already accepted.", "already_accepted"),
    Invitation.Status.DECLINED: ("This invitation was declined.", "already_declined"),
    Invitation.Status.CANCELLED: ("This invitation was cancelled.", "cancelled"),
    Invitation.Status.EXPIRED: ("This invitation has expired. Ask for a new one.", "expired"),
}


# No email here: audit rows are hash-chained and must not need rewriting when personal data is erased.
INVITATION_AUDITED = writes.Fields("role", "status")


def _audit(action: str, invitation: Invitation, acting_user: Any, before: dict[str, Any] | None) -> None:
    audit_record(
        action=action, acting_user=acting_user, tenant=invitation.tenant, target=invitation,
        before=before, after=writes.snapshot(invitation, INVITATION_AUDITED),
    )  # fmt: skip


def _close(
    invitation: Invitation, changes: dict[str, Any], *, reason: str, action: str, acting_user: Any
) -> Invitation:
    return writes.update(invitation, changes=changes, extra={"reason": reason}, fields=INVITATION_AUDITED,
                         action=action, acting_user=acting_user, tenant=invitation.tenant)  # fmt: skip


def _expire(invitation: Invitation, acting_user: Any = None) -> None:
    invitation.status, invitation.expired_at = Invitation.Status.EXPIRED, timezone.now()
    writes.save(invitation, acting_user=acting_user)


def _refuse_if_closed(invitation: Invitation) -> None:
    """Raise the specific error for an invitation that is no longer pending.

    One that is pending but past its expiry is marked expired first, in its own transaction, so the
    status stays expired although the caller's change is refused.
    """
    if invitation.is_due_to_expire:
        with transaction.atomic():
            locked = writes.locked(invitation)
            if locked.is_due_to_expire:
                _expire(locked)
        invitation.refresh_from_db()
    if invitation.status in CLOSED:
        message, code = CLOSED[invitation.status]
        raise ValidationError(message, code=code)


def _site_url(tenant: Tenant, site_url: str | None) -> str:
    if site_url:
        return site_url.rstrip("/")
    domain = tenant.domains.filter(is_primary=True).values_list("domain", flat=True).first()
    return site_base_url(domain)


def _publish_sent(invitation: Invitation, site_url: str | None) -> None:
    """`invitation.sent` (delivered after commit): apps.notifications emails the invitee through the
    notice declared in contributions.py, in the tenant's branding."""
    token, tenant = invitation.token, invitation.tenant
    base = _site_url(tenant, site_url)
    links = {
        "accept_url": base + reverse("invitations:accept", args=[token], urlconf=TENANT_URLCONF),
        "decline_url": base + reverse("invitations:decline", args=[token], urlconf=TENANT_URLCONF),
    }
    publish("invitation.sent", invitation_sent_payload(invitation, **links), tenant=tenant)


def _new_token(invitation: Invitation) -> None:
    invitation.token = invitation_token_new()
    invitation.token_hash = invitation_token_hash(invitation.token)
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_EXPIRY_DAYS)


def invitation_email_clean(email: str) -> str:
    email = (email or "").strip().lower()
    if not email:
        raise ValidationError("Enter the email address to invite.", code="invalid_email")
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(f"“{email}” is not a valid email address.", code="invalid_email") from None
    return email


def _refuse_member_or_invited(*, tenant: Tenant, email: str) -> None:
    member = Membership.objects.filter(tenant=tenant, user__email__iexact=email).exclude(
        status=Membership.Status.REMOVED
    )
    if member.exists():
        raise ValidationError(f"{email} is already a member of {tenant.name}.", code="already_member")
    pending = Invitation.objects.select_for_update().filter(tenant=tenant, email=email, status="pending").first()
    if pending is not None and pending.is_due_to_expire:
        _expire(pending)
    elif pending is not None:
        raise ValidationError(
            f"{email} already has a pending invitation to {tenant.name}. Resend it instead.", code="already_invited"
        )


@transaction.atomic
def invitation_create(
    *, tenant: Tenant, email: str, role: str, acting_user: Any, site_url: str | None = None
) -> Invitation:
    """Invite an email address to the tenant with a role and email the link (after commit).

    `site_url` (scheme and host, e.g. from the request) makes the link; by default the tenant's
    primary domain. The returned instance carries the raw `token`, which is not stored.
    """
    email = invitation_email_clean(email)
    if role not in Membership.Role.values:
        raise ValidationError(f"“{role}” is not a tenant role.", code="invalid_role")
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)  # one invite at a time per tenant
    _refuse_member_or_invited(tenant=tenant, email=email)
    tenant_seats_check(tenant=tenant)
    invited_by = writes.history_user(acting_user)
    invitation = Invitation(tenant=tenant, email=email, role=role, invited_by=invited_by)
    _new_token(invitation)
    writes.save(invitation, acting_user=acting_user)
    _audit("invitation.created", invitation, acting_user, None)
    _publish_sent(invitation, site_url)
    return invitation


def _resend_allowance(invitation: Invitation, now: Any) -> None:
    same_day = invitation.last_resent_at is not None and invitation.last_resent_at.date() == now.date()
    if not same_day:
        invitation.resend_day_count = 0
    limit = settings.INVITATION_MAX_RESENDS_PER_DAY
    if invitation.resend_day_count >= limit:
        raise ValidationError(
            f"This invitation was already resent {limit} times today. Try again tomorrow.", code="resend_limit"
        )


def invitation_resend(*, invitation: Invitation, acting_user: Any, site_url: str | None = None) -> Invitation:
    """Send the invitation again with a new link (the old link stops working) and a renewed expiry."""
    _refuse_if_closed(invitation)
    return _resend(invitation=invitation, acting_user=acting_user, site_url=site_url)


@transaction.atomic
def _resend(*, invitation: Invitation, acting_user: Any, site_url: str | None) -> Invitation:
    invitation = writes.locked(invitation, "tenant", "invited_by")
    _refuse_if_closed(invitation)
    now = timezone.now()
    _resend_allowance(invitation, now)
    before = writes.snapshot(invitation, INVITATION_AUDITED)
    _new_token(invitation)
    invitation.resend_count += 1
    invitation.resend_day_count += 1
    invitation.last_resent_at = now
    writes.save(invitation, acting_user=acting_user)
    _audit("invitation.resent", invitation, acting_user, before)
    _publish_sent(invitation, site_url)
    return invitation


def invitation_cancel(*, invitation: Invitation, acting_user: Any, reason: str = "") -> Invitation:
    """Withdraw a pending invitation; records who, when and why."""
    _refuse_if_closed(invitation)
    return _cancel(invitation=invitation, acting_user=acting_user, reason=reason)


@transaction.atomic
def _cancel(*, invitation: Invitation, acting_user: Any, reason: str) -> Invitation:
    invitation = writes.locked(invitation, "tenant")
    _refuse_if_closed(invitation)
    changes = {"status": Invitation.Status.CANCELLED, "cancelled_at": timezone.now(),
               "cancelled_by": writes.history_user(acting_user), "cancel_reason": reason.strip()[:255]}  # fmt: skip
    return _close(invitation, changes, reason=changes["cancel_reason"], action="invitation.cancelled",
                  acting_user=acting_user)  # fmt: skip


def invitation_answerable(*, token: str, tenant: Tenant) -> Invitation:
    """The tenant's pending invitation for a token, or the specific refusal (an overdue one is marked expired)."""
    invitation = invitation_for_token(token=token, tenant=tenant)
    if invitation is None:
        raise ValidationError("This invitation link is not valid.", code="invalid_token")
    _refuse_if_closed(invitation)
    return invitation


def invitation_decline(*, token: str, tenant: Tenant, acting_user: Any = None, reason: str = "") -> Invitation:
    """The invitee says no. Whoever holds the link may decline; a signed-in user is recorded as who."""
    invitation = invitation_answerable(token=token, tenant=tenant)
    return _decline(invitation=invitation, acting_user=acting_user, reason=reason)


@transaction.atomic
def _decline(*, invitation: Invitation, acting_user: Any, reason: str) -> Invitation:
    invitation = writes.locked(invitation, "tenant")
    _refuse_if_closed(invitation)
    changes = {"status": Invitation.Status.DECLINED, "declined_at": timezone.now(),
               "declined_by": writes.history_user(acting_user), "decline_reason": reason.strip()[:255]}  # fmt: skip
    return _close(invitation, changes, reason=changes["decline_reason"], action="invitation.declined",
                  acting_user=acting_user)  # fmt: skip


def invitation_accept(
    *, token: str, tenant: Tenant, user: Any = None, password: str = "", full_name: str = ""
) -> Membership:
    """Accept: join the tenant with the invited role.

    If no account has the invited email, one is created with `password` (Django's password
    validators apply) and a verified email. If one exists, `user` must be that account, signed in.
    """
    invitation = invitation_answerable(token=token, tenant=tenant)
    return _accept(invitation=invitation, user=user, password=password, full_name=full_name)


@transaction.atomic
def _accept(*, invitation: Invitation, user: Any, password: str, full_name: str) -> Membership:
    invitation = writes.locked(invitation, "tenant")
    _refuse_if_closed(invitation)
    invitee = invitation_invitee(invitation=invitation, user=user)
    if invitee is None:
        invitee = _user_create(email=invitation.email, password=password, full_name=full_name)
    membership = membership_create(
        user=invitee, tenant=invitation.tenant, role=invitation.role,
        joined_via=Membership.JoinedVia.INVITATION, acting_user=invitee,
    )  # fmt: skip
    before = writes.snapshot(invitation, INVITATION_AUDITED)
    invitation.status, invitation.accepted_at, invitation.accepted_by = (
        Invitation.Status.ACCEPTED, timezone.now(), invitee,
    )  # fmt: skip
    writes.save(invitation, acting_user=invitee)
    _audit("invitation.accepted", invitation, invitee, before)
    return membership


def invitation_invitee(*, invitation: Invitation, user: Any) -> User | None:
    """The account that may accept: the signed-in user when it owns the invited email.

    None when no account has that email (one will be created). Raises when the wrong person (or
    nobody) is signed in for an existing account.
    """
    existing = User.objects.filter(email__iexact=invitation.email).first()
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    if signed_in and (existing is None or existing.pk != user.pk):
        raise ValidationError(
            f"This invitation is for {invitation.email}, but you are signed in as {user.email}. "
            "Sign out, then open the link again.",
            code="wrong_user",
        )
    if existing is not None and not signed_in:
        raise ValidationError(
            f"An account already exists for {invitation.email}. Sign in to accept this invitation.",
            code="sign_in_required",
        )
    return existing


def _user_create(*, email: str, password: str, full_name: str) -> User:
    candidate = User(email=email, full_name=full_name.strip()[:200])
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from None
    user = User.objects.create_user(email, password, full_name=candidate.full_name, last_password_change=timezone.now())
    return user_email_mark_verified(user=user, acting_user=user)


def invitation_expire_due(*, now: Any = None, batch_size: int = 500) -> int:
    """Mark every pending invitation past its expiry as expired. Idempotent; returns how many."""
    now = now or timezone.now()
    expired = 0
    while True:
        with transaction.atomic():
            due = list(
                Invitation.objects.select_for_update(skip_locked=True)
                .filter(status=Invitation.Status.PENDING, expires_at__lte=now)
                .order_by("pk")[:batch_size]
            )
            for invitation in due:
                _expire(invitation)
        expired += len(due)
        if len(due) < batch_size:
            return expired
