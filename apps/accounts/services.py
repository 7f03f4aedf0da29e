"""Writes on users and memberships. Every function takes `acting_user`, validates, and writes
history and (for security-relevant changes) an audit event in the same transaction."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.audit import writes
from apps.audit.services import audit_record
from apps.core.events import publish
from apps.tenancy.models import Tenant

from .models import Membership, User
from .payloads import member_joined_payload

SEAT_STATUSES = (Membership.Status.ACTIVE, Membership.Status.SUSPENDED)


MEMBERSHIP_AUDITED = writes.Fields("role", "status", user="user.code")


def tenant_seats_check(*, tenant: Tenant) -> None:
    """Refuse a new seat when the tenant is at max_users. Call with the tenant row locked."""
    used = Membership.objects.filter(tenant=tenant, status__in=SEAT_STATUSES).count()
    if used >= tenant.max_users:
        raise ValidationError(
            f"{tenant.name} has reached its limit of {tenant.max_users} users. "
            "Remove a member or raise the limit before adding another.",
            code="max_users_reached",
        )


def tenant_current_users_refresh(*, tenant: Tenant) -> int:
    """Keep Tenant.current_users (seats: active and suspended members) live between nightly aggregations."""
    used = Membership.objects.filter(tenant=tenant, status__in=SEAT_STATUSES).count()
    Tenant.objects.filter(pk=tenant.pk).update(current_users=used)
    return used


def _lock_tenant(tenant: Tenant) -> Tenant:
    # Serialises seat counting per tenant so two concurrent adds cannot both take the last seat.
    return Tenant.objects.select_for_update().get(pk=tenant.pk)


def _last_admin_check(membership: Membership) -> None:
    others = Membership.objects.filter(
        tenant_id=membership.tenant_id, role=Membership.Role.TENANT_ADMIN, status=Membership.Status.ACTIVE
    ).exclude(pk=membership.pk)
    if membership.role == Membership.Role.TENANT_ADMIN and not others.exists():
        raise ValidationError("The organisation must keep at least one active tenant admin.", code="last_admin")


@transaction.atomic
def membership_create(
    *, user: User, tenant: Tenant, role: str, joined_via: str = Membership.JoinedVia.SIGNUP, acting_user: Any
) -> Membership:
    """Add a user to a tenant (or bring back a removed membership), within the tenant's seat limit."""
    tenant = _lock_tenant(tenant)
    membership = Membership.objects.select_for_update().filter(user=user, tenant=tenant).first()
    if membership is not None and membership.status != Membership.Status.REMOVED:
        raise ValidationError(f"{user.email} is already a member of {tenant.name}.", code="already_member")
    tenant_seats_check(tenant=tenant)
    before = writes.snapshot(membership, MEMBERSHIP_AUDITED) if membership else None
    membership = membership or Membership(user=user, tenant=tenant)
    membership.role, membership.joined_via, membership.status = role, joined_via, Membership.Status.ACTIVE
    membership.removed_at, membership.removed_by, membership.removal_reason = None, None, ""
    writes.save(membership, acting_user=acting_user)
    tenant_current_users_refresh(tenant=membership.tenant)
    audit_record(
        action="membership.created", acting_user=acting_user, tenant=tenant, target=membership,
        before=before, after=writes.snapshot(membership, MEMBERSHIP_AUDITED),
    )  # fmt: skip
    publish("member.joined", member_joined_payload(membership), tenant=membership.tenant)  # after commit
    return membership


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, acting_user: Any) -> Membership:
    if role not in Membership.Role.values:
        raise ValidationError(f"“{role}” is not a tenant role.", code="invalid_role")
    if role != Membership.Role.TENANT_ADMIN:
        _last_admin_check(membership)
    return writes.update(membership, changes={"role": role}, fields=MEMBERSHIP_AUDITED,
                         action="membership.role_changed", acting_user=acting_user,
                         tenant=membership.tenant)  # fmt: skip


@transaction.atomic
def membership_suspend(*, membership: Membership, acting_user: Any, reason: str = "") -> Membership:
    if membership.status != Membership.Status.ACTIVE:
        raise ValidationError("Only an active membership can be suspended.", code="not_active")
    if acting_user is not None and membership.user_id == acting_user.pk:
        raise ValidationError("You cannot suspend yourself.", code="self_suspend")
    _last_admin_check(membership)
    before = writes.snapshot(membership, MEMBERSHIP_AUDITED)
    membership.status, membership.suspended_at, membership.suspension_reason = (
        Membership.Status.SUSPENDED, timezone.now(), reason[:255],
    )  # fmt: skip
    writes.save(membership, acting_user=acting_user)
    audit_record(
        action="membership.suspended", acting_user=acting_user, tenant=membership.tenant, target=membership,
        before=before, after={**writes.snapshot(membership, MEMBERSHIP_AUDITED), "reason": reason},
    )  # fmt: skip
    return membership


@transaction.atomic
def membership_reactivate(*, membership: Membership, acting_user: Any) -> Membership:
    if membership.status != Membership.Status.SUSPENDED:
        raise ValidationError("Only a suspended membership can be reactivated.", code="not_suspended")
    changes = {"status": Membership.Status.ACTIVE, "suspended_at": None, "suspension_reason": ""}
    return writes.update(membership, changes=changes, fields=MEMBERSHIP_AUDITED, action="membership.reactivated",
                         acting_user=acting_user, tenant=membership.tenant)  # fmt: skip


@transaction.atomic
def membership_remove(*, membership: Membership, acting_user: Any, reason: str = "") -> Membership:
    if membership.status == Membership.Status.REMOVED:
        raise ValidationError("This membership was already removed.", code="already_removed")
    if membership.status == Membership.Status.ACTIVE:
        _last_admin_check(membership)
    before = writes.snapshot(membership, MEMBERSHIP_AUDITED)
    membership.status, membership.removed_at, membership.removal_reason = (
        Membership.Status.REMOVED, timezone.now(), reason[:255],
    )  # fmt: skip
    membership.removed_by = writes.history_user(acting_user)
    writes.save(membership, acting_user=acting_user)
    tenant_current_users_refresh(tenant=membership.tenant)
    audit_record(
        action="membership.removed", acting_user=acting_user, tenant=membership.tenant, target=membership,
        before=before, after={**writes.snapshot(membership, MEMBERSHIP_AUDITED), "reason": reason},
    )  # fmt: skip
    return membership


@transaction.atomic
def user_deactivate(*, user: User, acting_user: Any, reason: str = "") -> User:
    """Deactivate and anonymise a user; the row stays so every reference remains valid.

    Memberships are removed, tokens invalidated (versions bumped) and personal fields replaced by
    values derived from the pseudonymous user code.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.deleted_at is not None:
        raise ValidationError("This user was already deactivated.", code="already_deactivated")
    for membership in Membership.objects.filter(user=user).exclude(status=Membership.Status.REMOVED):
        membership_remove_unchecked(membership=membership, acting_user=acting_user, reason="user deactivated")
    before = {"email": user.email, "status": user.status}
    user.email = f"deleted-{user.code.lower()}@invalid.invalid"
    user.full_name = user.role_title = user.profile_picture_url = ""
    user.is_active, user.status = False, User.Status.SUSPENDED
    user.deleted_at, user.deleted_by = timezone.now(), writes.history_user(acting_user)
    user.access_token_version += 1
    user.refresh_token_version += 1
    user.set_unusable_password()
    writes.save(user, acting_user=acting_user)
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=user).delete()
    audit_record(
        action="user.deactivated", acting_user=acting_user, target=user,
        before={"status": before["status"]}, after={"status": user.status, "reason": reason},
    )  # fmt: skip
    return user


def membership_remove_unchecked(*, membership: Membership, acting_user: Any, reason: str) -> None:
    """Remove without the last-admin rule (the person is leaving the platform altogether)."""
    membership.status, membership.removed_at, membership.removal_reason = (
        Membership.Status.REMOVED,
        timezone.now(),
        reason,
    )
    membership.removed_by = writes.history_user(acting_user)
    writes.save(membership, acting_user=acting_user)
    tenant_current_users_refresh(tenant=membership.tenant)


@transaction.atomic
def user_email_mark_verified(*, user: User, acting_user: Any) -> User:
    """Record that the user proved they own their email: the one place `email_verified_at` is set.

    Every path that verifies an address ends here: allauth's confirmation link (`email_confirmed`) and
    any other save of a verified allauth EmailAddress (apps/accounts/signals.py), accepting an
    invitation, the demo seed. Idempotent; the allauth EmailAddress is marked verified too.
    """
    from allauth.account.models import EmailAddress

    verified_at = User.objects.select_for_update().filter(pk=user.pk).values_list("email_verified_at", flat=True)
    user.email_verified_at = verified_at.first()
    if user.email_verified_at is None:
        # Before the EmailAddress save below: its post_save receiver finds the user already verified.
        user.email_verified_at = timezone.now()
        writes.save(user, acting_user=acting_user, update_fields=["email_verified_at", "updated_at"])
    address, _ = EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"primary": True})
    if not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])
    return user


@transaction.atomic
def membership_set(
    *, membership: Membership, acting_user: Any, role: str | None = None, status: str | None = None, reason: str = ""
) -> Membership:
    """A staff edit of a membership (the admin's form and inline): a new role and/or status, each
    through the service that checks and audits it (removed → active adds the person back)."""
    membership = writes.locked(membership, "user", "tenant")
    if role is not None and role != membership.role:
        membership = membership_change_role(membership=membership, role=role, acting_user=acting_user)
    if status is None or status == membership.status:
        return membership
    S = Membership.Status
    if status == S.SUSPENDED:
        return membership_suspend(membership=membership, acting_user=acting_user, reason=reason)
    if status == S.REMOVED:
        return membership_remove(membership=membership, acting_user=acting_user, reason=reason)
    if membership.status == S.SUSPENDED:
        return membership_reactivate(membership=membership, acting_user=acting_user)
    return membership_create(user=membership.user, tenant=membership.tenant, role=membership.role,
                             joined_via=membership.joined_via, acting_user=acting_user)  # fmt: skip
