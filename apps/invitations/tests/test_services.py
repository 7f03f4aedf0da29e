"""Invitation rules, through the services."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership, User
from apps.accounts.services import membership_remove
from apps.audit.models import AuditEvent
from apps.emails.models import EmailDelivery
from apps.invitations.models import Invitation, invitation_token_hash
from apps.invitations.services import (
    invitation_accept,
    invitation_cancel,
    invitation_create,
    invitation_decline,
    invitation_expire_due,
    invitation_resend,
)
from apps.invitations.tasks import expire_due
from tests.factories import MembershipFactory, UserFactory

from .helpers import invite

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-passphrase-42"


def _code(exc_info: pytest.ExceptionInfo[ValidationError]) -> str:
    return exc_info.value.error_list[0].code or ""


def _expire_now(invitation: Invitation) -> None:
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))


# --- Create ------------------------------------------------------------------------------------------


def test_create_stores_only_the_token_hash_and_emails_the_link(
    acme, acme_admin, settings, django_capture_on_commit_callbacks
):
    settings.INVITATION_EXPIRY_DAYS = 3
    invitation = invite(
        django_capture_on_commit_callbacks, tenant=acme, email=" New.Person@Example.TEST ", acting_user=acme_admin
    )
    invitation.refresh_from_db()
    assert invitation.email == "new.person@example.test"
    assert invitation.status == Invitation.Status.PENDING
    assert invitation.token_hash == invitation_token_hash(invitation.token)
    assert invitation.token not in str(Invitation.objects.filter(pk=invitation.pk).values().get())
    assert timedelta(days=3) - timedelta(minutes=1) < invitation.expires_at - timezone.now() <= timedelta(days=3)
    (message,) = mail.outbox
    assert message.to == ["new.person@example.test"]
    assert "Acme" in message.subject
    assert f"https://acme.localhost/manage/invitations/accept/{invitation.token}/" in message.body
    html = message.alternatives[0][0]
    assert f"/manage/invitations/accept/{invitation.token}/" in html
    delivery = EmailDelivery.objects.get(recipient="new.person@example.test")
    assert (delivery.template, delivery.status, delivery.tenant_id) == ("notification", "sent", acme.pk)
    event = AuditEvent.objects.get(action="invitation.created", target_id=str(invitation.pk))
    assert "email" not in event.after
    assert invitation.history.count() == 1


def test_nothing_is_sent_when_the_transaction_rolls_back(acme, acme_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation_create(tenant=acme, email="x@example.test", role="member", acting_user=acme_admin)
    assert len(callbacks) == 1  # the send waits for commit; a rollback drops it
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("email", "role", "code"),
    [
        ("not-an-email", "member", "invalid_email"),
        ("two@@example.test", "member", "invalid_email"),
        ("", "member", "invalid_email"),
        ("ok@example.test", "owner", "invalid_role"),
    ],
)
def test_create_refuses_bad_input_and_changes_nothing(acme, acme_admin, email, role, code):
    with pytest.raises(ValidationError) as exc_info:
        invitation_create(tenant=acme, email=email, role=role, acting_user=acme_admin)
    assert _code(exc_info) == code
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("status", [Membership.Status.ACTIVE, Membership.Status.SUSPENDED])
def test_create_refuses_an_existing_member(acme, acme_admin, status):
    MembershipFactory(tenant=acme, status=status, user__email="someone@example.test")
    with pytest.raises(ValidationError) as exc_info:
        invitation_create(tenant=acme, email="SOMEONE@example.test", role="member", acting_user=acme_admin)
    assert _code(exc_info) == "already_member"
    assert "already a member of Acme" in exc_info.value.messages[0]
    assert not Invitation.objects.exists()


def test_create_invites_a_removed_member_again(acme, acme_admin, acme_member):
    membership = Membership.objects.get(user=acme_member, tenant=acme)
    membership_remove(membership=membership, acting_user=acme_admin, reason="left")
    invitation = invitation_create(tenant=acme, email=acme_member.email, role="viewer", acting_user=acme_admin)
    assert invitation.status == Invitation.Status.PENDING


def test_a_second_pending_invitation_for_the_same_email_is_refused(acme, globex, acme_admin):
    invitation_create(tenant=acme, email="twice@example.test", role="member", acting_user=acme_admin)
    with pytest.raises(ValidationError) as exc_info:
        invitation_create(tenant=acme, email="Twice@Example.test", role="viewer", acting_user=acme_admin)
    assert _code(exc_info) == "already_invited"
    assert Invitation.objects.filter(tenant=acme).count() == 1
    # Another tenant may invite the same person.
    invitation_create(tenant=globex, email="twice@example.test", role="member", acting_user=None)


def test_the_database_refuses_two_pending_invitations(acme, acme_admin):
    first = invitation_create(tenant=acme, email="db@example.test", role="member", acting_user=acme_admin)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            tenant=acme, email="db@example.test", token_hash="0" * 64, expires_at=first.expires_at
        )


def test_an_overdue_pending_invitation_does_not_block_a_new_one(acme, acme_admin):
    old = invitation_create(tenant=acme, email="late@example.test", role="member", acting_user=acme_admin)
    _expire_now(old)
    new = invitation_create(tenant=acme, email="late@example.test", role="member", acting_user=acme_admin)
    old.refresh_from_db()
    assert (old.status, new.status) == (Invitation.Status.EXPIRED, Invitation.Status.PENDING)


def test_create_is_refused_when_the_tenant_is_full(acme, acme_admin):
    used = Membership.objects.filter(tenant=acme, status__in=["active", "suspended"]).count()
    acme.max_users = used
    acme.save(update_fields=["max_users"])
    with pytest.raises(ValidationError) as exc_info:
        invitation_create(tenant=acme, email="extra@example.test", role="member", acting_user=acme_admin)
    assert _code(exc_info) == "max_users_reached"
    assert f"limit of {used} users" in exc_info.value.messages[0]
    assert not Invitation.objects.exists()


# --- Resend ------------------------------------------------------------------------------------------


def test_resend_sends_a_new_link_and_the_old_one_stops_working(acme, acme_admin, django_capture_on_commit_callbacks):
    invitation = invite(django_capture_on_commit_callbacks, tenant=acme, email="r@example.test", acting_user=acme_admin)
    old_token = invitation.token
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() + timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        resent = invitation_resend(invitation=invitation, acting_user=acme_admin)
    assert resent.token != old_token
    assert (resent.resend_count, resent.resend_day_count) == (1, 1)
    assert resent.last_resent_at is not None
    assert resent.expires_at > timezone.now() + timedelta(days=6)
    assert len(mail.outbox) == 2 and resent.token in mail.outbox[1].body
    with pytest.raises(ValidationError) as exc_info:
        invitation_accept(token=old_token, tenant=acme, password=PASSWORD)
    assert _code(exc_info) == "invalid_token"


def test_resend_is_limited_per_day(acme, acme_admin, settings):
    invitation = invitation_create(tenant=acme, email="many@example.test", role="member", acting_user=acme_admin)
    for _ in range(settings.INVITATION_MAX_RESENDS_PER_DAY):
        invitation_resend(invitation=invitation, acting_user=acme_admin)
    with pytest.raises(ValidationError) as exc_info:
        invitation_resend(invitation=invitation, acting_user=acme_admin)
    assert _code(exc_info) == "resend_limit"
    assert "3 times today" in exc_info.value.messages[0]
    invitation.refresh_from_db()
    assert invitation.resend_count == 3
    # The next day the allowance starts again.
    Invitation.objects.filter(pk=invitation.pk).update(last_resent_at=timezone.now() - timedelta(days=1))
    invitation_resend(invitation=invitation, acting_user=acme_admin)
    invitation.refresh_from_db()
    assert (invitation.resend_count, invitation.resend_day_count) == (4, 1)


def test_resend_is_refused_once_the_invitation_is_closed(acme, acme_admin):
    invitation = invitation_create(tenant=acme, email="c@example.test", role="member", acting_user=acme_admin)
    invitation_cancel(invitation=invitation, acting_user=acme_admin, reason="typo")
    with pytest.raises(ValidationError) as exc_info:
        invitation_resend(invitation=invitation, acting_user=acme_admin)
    assert _code(exc_info) == "cancelled"


# --- Cancel and decline ------------------------------------------------------------------------------


def test_cancel_records_who_when_and_why(acme, acme_admin):
    invitation = invitation_create(tenant=acme, email="c@example.test", role="member", acting_user=acme_admin)
    invitation_cancel(invitation=invitation, acting_user=acme_admin, reason="Wrong person")
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.CANCELLED
    assert (invitation.cancelled_by, invitation.cancel_reason) == (acme_admin, "Wrong person")
    assert invitation.cancelled_at is not None
    event = AuditEvent.objects.get(action="invitation.cancelled")
    assert event.after["reason"] == "Wrong person"
    with pytest.raises(ValidationError) as exc_info:
        invitation_cancel(invitation=invitation, acting_user=acme_admin, reason="again")
    assert _code(exc_info) == "cancelled"


def test_decline_records_when_and_why_and_the_link_is_then_used_up(acme, acme_admin):
    invitation = invitation_create(tenant=acme, email="d@example.test", role="member", acting_user=acme_admin)
    invitation_decline(token=invitation.token, tenant=acme, reason="Not my team")
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED
    assert invitation.decline_reason == "Not my team" and invitation.declined_at is not None
    assert invitation.declined_by is None  # declined from the link without signing in
    with pytest.raises(ValidationError) as exc_info:
        invitation_accept(token=invitation.token, tenant=acme, password=PASSWORD)
    assert _code(exc_info) == "already_declined"


def test_decline_by_a_signed_in_invitee_records_them(acme, acme_admin):
    person = UserFactory(email="known@example.test")
    invitation = invitation_create(tenant=acme, email=person.email, role="member", acting_user=acme_admin)
    invitation_decline(token=invitation.token, tenant=acme, acting_user=person, reason="")
    invitation.refresh_from_db()
    assert invitation.declined_by == person


# --- Accept ------------------------------------------------------------------------------------------


def test_accept_creates_a_verified_user_and_the_membership(acme, acme_admin):
    invitation = invitation_create(tenant=acme, email="new@example.test", role="viewer", acting_user=acme_admin)
    membership = invitation_accept(token=invitation.token, tenant=acme, password=PASSWORD, full_name="Nia New")
    user = User.objects.get(email="new@example.test")
    assert user.check_password(PASSWORD) and user.full_name == "Nia New"
    assert user.email_verified_at is not None
    assert EmailAddress.objects.filter(user=user, email=user.email, verified=True, primary=True).exists()
    assert (membership.user, membership.tenant_id, membership.role) == (user, acme.pk, "viewer")
    assert membership.joined_via == Membership.JoinedVia.INVITATION
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == (Invitation.Status.ACCEPTED, user)
    assert AuditEvent.objects.filter(action="invitation.accepted", target_id=str(invitation.pk)).exists()
    assert AuditEvent.objects.filter(action="membership.created", actor_id=user.pk).exists()


def test_a_reused_token_is_refused_as_already_accepted(acme, acme_admin):
    invitation = invitation_create(tenant=acme, email="once@example.test", role="member", acting_user=acme_admin)
    invitation_accept(token=invitation.token, tenant=acme, password=PASSWORD)
    with pytest.raises(ValidationError) as exc_info:
        invitation_accept(token=invitation.token, tenant=acme, password=PASSWORD)
    assert _code(exc_info) == "already_accepted"
    assert exc_info.value.messages == ["This invitation was already accepted."]
    assert User.objects.filter(email="once@example.test").count() == 1


def test_accept_after_expiry_is_refused_and_marks_it_expired(acme, acme_admin):
    invitation = invitation_create(tenant=acme, email="slow@example.test", role="member", acting_user=acme_admin)
    _expire_now(invitation)
    with pytest.raises(ValidationError) as exc_info:
        invitation_accept(token=invitation.token, tenant=acme, password=PASSWORD)
    assert _code(exc_info) == "expired"
    assert "This invitation has expired" in exc_info.value.messages[0]
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.EXPIRED and invitation.expired_at is not None
    assert not User.objects.filter(email="slow@example.test").exists()


@pytest.mark.parametrize("token", ["", "nonsense", "x" * 43])
def test_an_unknown_token_is_refused(acme, token):
    with pytest.raises(ValidationError) as exc_info:
        invitation_accept(token=token, tenant=acme, password=PASSWORD)
    assert _code(exc_info) == "invalid_token"


def test_a_token_only_works_on_its_own_tenant(acme, globex, acme_admin):
    invitation = invitation_create(tenant=acme, email="t@example.test", role="member", acting_user=acme_admin)
    with pytest.raises(ValidationError) as exc_info:
        invitation_accept(token=invitation.token, tenant=globex, password=PASSWORD)
    assert _code(exc_info) == "invalid_token"


def test_a_weak_password_is_refused_and_nothing_is_created(acme, acme_admin):
    invitation = invitation_create(tenant=acme, email="weak@example.test", role="member", acting_user=acme_admin)
    with pytest.raises(ValidationError) as exc_info:
        invitation_accept(token=invitation.token, tenant=acme, password="short")
    assert "password" in exc_info.value.message_dict
    assert "at least 12 characters" in " ".join(exc_info.value.message_dict["password"])
    assert not User.objects.filter(email="weak@example.test").exists()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


def test_an_existing_user_must_be_signed_in_as_themselves(acme, acme_admin, globex_member, acme_member):
    invitation = invitation_create(tenant=acme, email=globex_member.email, role="member", acting_user=acme_admin)
    with pytest.raises(ValidationError) as exc_info:
        invitation_accept(token=invitation.token, tenant=acme, password=PASSWORD)
    assert _code(exc_info) == "sign_in_required"
    with pytest.raises(ValidationError) as exc_info:
        invitation_accept(token=invitation.token, tenant=acme, user=acme_member)
    assert _code(exc_info) == "wrong_user"
    assert not Membership.objects.filter(tenant=acme, user=globex_member).exists()
    membership = invitation_accept(token=invitation.token, tenant=acme, user=globex_member)
    assert membership.user == globex_member and membership.status == Membership.Status.ACTIVE
    globex_member.refresh_from_db()
    assert globex_member.check_password("correct-horse-battery-staple")  # untouched


def test_a_signed_in_user_cannot_accept_for_a_new_address(acme, acme_admin, acme_member):
    invitation = invitation_create(tenant=acme, email="other@example.test", role="member", acting_user=acme_admin)
    with pytest.raises(ValidationError) as exc_info:
        invitation_accept(token=invitation.token, tenant=acme, user=acme_member, password=PASSWORD)
    assert _code(exc_info) == "wrong_user"
    assert not User.objects.filter(email="other@example.test").exists()


def test_accepting_brings_back_a_removed_member(acme, acme_admin, acme_member):
    membership = Membership.objects.get(user=acme_member, tenant=acme)
    membership_remove(membership=membership, acting_user=acme_admin, reason="left")
    invitation = invitation_create(tenant=acme, email=acme_member.email, role="viewer", acting_user=acme_admin)
    invitation_accept(token=invitation.token, tenant=acme, user=acme_member)
    membership.refresh_from_db()
    assert (membership.status, membership.role, membership.joined_via) == ("active", "viewer", "invitation")


def test_accept_is_refused_when_the_tenant_filled_up_meanwhile(acme, acme_admin):
    invitation = invitation_create(tenant=acme, email="late@example.test", role="member", acting_user=acme_admin)
    acme.max_users = Membership.objects.filter(tenant=acme).count()
    acme.save(update_fields=["max_users"])
    with pytest.raises(ValidationError) as exc_info:
        invitation_accept(token=invitation.token, tenant=acme, password=PASSWORD)
    assert _code(exc_info) == "max_users_reached"
    assert not User.objects.filter(email="late@example.test").exists()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


# --- Expiry sweep --------------------------------------------------------------------------------------


def test_expire_due_marks_only_overdue_pending_invitations(acme, acme_admin):
    due = invitation_create(tenant=acme, email="due@example.test", role="member", acting_user=acme_admin)
    fresh = invitation_create(tenant=acme, email="fresh@example.test", role="member", acting_user=acme_admin)
    cancelled = invitation_create(tenant=acme, email="gone@example.test", role="member", acting_user=acme_admin)
    invitation_cancel(invitation=cancelled, acting_user=acme_admin, reason="no")
    _expire_now(due)
    Invitation.objects.filter(pk=cancelled.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert invitation_expire_due(batch_size=1) == 1
    assert invitation_expire_due() == 0  # idempotent
    statuses = dict(Invitation.objects.values_list("email", "status"))
    assert statuses == {
        "due@example.test": "expired",
        "fresh@example.test": "pending",
        "gone@example.test": "cancelled",
    }
    assert fresh.pk


def test_the_beat_task_runs_in_public_whatever_schema_sent_it(acme, acme_admin):
    due = invitation_create(tenant=acme, email="due@example.test", role="member", acting_user=acme_admin)
    _expire_now(due)
    with tenant_context(acme):
        assert expire_due.apply().get() == 1
    due.refresh_from_db()
    assert due.status == Invitation.Status.EXPIRED


def test_the_sweep_is_scheduled_every_15_minutes():
    task = PeriodicTask.objects.get(name="invitations.expire_due")
    assert task.task == "invitations.expire_due" and task.enabled
    assert (task.interval.every, task.interval.period) == (15, "minutes")
