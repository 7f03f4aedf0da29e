"""Lockout through the real allauth sign-in view: N failures lock for LOCKOUT_MINUTES, without
revealing whether the email has an account; staff unlock; success resets the counter."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.security.models import AuthEvent
from apps.security.services import lockout_message, login_failure_register, user_unlock

from .conftest import PASSWORD, form_errors, sign_in, unknown_email

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed sign-in attempts. This account is locked for 15 minutes."
WRONG = "The email address and/or password you specified are not correct."


def _fail(client, email, times):
    return [form_errors(sign_in(client, email, "wrong-password-123")) for _ in range(times)]


def test_five_failures_lock_the_account_and_say_so(acme_client, verified_member):
    errors = _fail(acme_client, verified_member.email, 5)
    assert errors[:4] == [[WRONG]] * 4
    assert errors[4] == [LOCKED]
    verified_member.refresh_from_db()
    assert verified_member.status == User.Status.LOCKED
    assert verified_member.failed_login_attempts == 5
    assert verified_member.is_locked
    remaining = verified_member.locked_until - timezone.now()
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)
    assert "5 failed sign-in attempts" in verified_member.locked_reason
    assert AuditEvent.objects.filter(action="user.locked", target_id=str(verified_member.pk)).exists()


def test_the_right_password_is_refused_while_locked(acme_client, verified_member):
    _fail(acme_client, verified_member.email, 5)
    response = sign_in(acme_client, verified_member.email)
    assert response.status_code == 200
    assert form_errors(response) == [LOCKED]
    assert acme_client.get("/manage/").status_code == 302  # still signed out


def test_locked_message_is_identical_for_an_existing_and_an_unknown_email(acme_client, verified_member):
    existing = _fail(acme_client, verified_member.email, 6)
    unknown = _fail(acme_client, unknown_email(), 6)
    assert existing == unknown
    assert existing[4:] == [[LOCKED], [LOCKED]]


def test_unknown_email_lock_holds_on_every_domain(acme_client, globex_client, platform_client):
    email = unknown_email()
    _fail(acme_client, email, 5)
    assert form_errors(sign_in(globex_client, email)) == [LOCKED]
    assert form_errors(sign_in(platform_client, email)) == [LOCKED]


def test_threshold_and_duration_are_settings(settings, acme_client, verified_member):
    settings.LOCKOUT_MAX_FAILED_ATTEMPTS, settings.LOCKOUT_MINUTES = 3, 30
    errors = _fail(acme_client, verified_member.email, 3)
    assert errors[2] == ["Too many failed sign-in attempts. This account is locked for 30 minutes."]
    assert lockout_message().endswith("30 minutes.")


def test_success_resets_the_counter_and_records_the_ip(acme_client, verified_member):
    _fail(acme_client, verified_member.email, 3)
    response = sign_in(acme_client, verified_member.email, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    verified_member.refresh_from_db()
    assert verified_member.failed_login_attempts == 0
    assert verified_member.last_login_ip == "203.0.113.9"
    # Counting starts again: four more failures do not lock.
    acme_client.logout()
    assert _fail(acme_client, verified_member.email, 4)[-1] == [WRONG]


def test_an_expired_lock_clears_itself_on_the_next_successful_sign_in(acme_client, verified_member):
    _fail(acme_client, verified_member.email, 5)
    User.objects.filter(pk=verified_member.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert sign_in(acme_client, verified_member.email).status_code == 302
    verified_member.refresh_from_db()
    assert (verified_member.status, verified_member.locked_until, verified_member.failed_login_attempts) == (
        User.Status.ACTIVE, None, 0,
    )  # fmt: skip


def test_after_an_expired_lock_counting_starts_again(acme_client, verified_member):
    _fail(acme_client, verified_member.email, 5)
    User.objects.filter(pk=verified_member.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert _fail(acme_client, verified_member.email, 1) == [[WRONG]]
    verified_member.refresh_from_db()
    assert (verified_member.failed_login_attempts, verified_member.locked_until) == (1, None)


def test_unlock_service_restores_sign_in(acme_client, verified_member, platform_superuser):
    _fail(acme_client, verified_member.email, 5)
    user_unlock(user=verified_member, acting_user=platform_superuser)
    verified_member.refresh_from_db()
    assert (verified_member.status, verified_member.locked_until, verified_member.failed_login_attempts) == (
        User.Status.ACTIVE, None, 0,
    )  # fmt: skip
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.UNLOCKED, user_id=verified_member.pk).exists()
    audit = AuditEvent.objects.get(action="user.unlocked", target_id=str(verified_member.pk))
    assert audit.actor_id == platform_superuser.pk
    assert sign_in(acme_client, verified_member.email).status_code == 302


def test_unlock_refuses_an_account_that_is_not_locked(verified_member, platform_superuser):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        user_unlock(user=verified_member, acting_user=platform_superuser)
    assert exc.value.code == "not_locked"


def test_staff_unlock_from_the_admin_restores_sign_in(
    acme_client, platform_client, verified_member, platform_superuser
):
    _fail(acme_client, verified_member.email, 5)
    platform_client.force_login(platform_superuser)
    listing = platform_client.get("/admin/accounts/user/?locked=yes")
    assert listing.status_code == 200
    assert verified_member.email in listing.content.decode()
    response = platform_client.post(
        "/admin/accounts/user/", {"action": "unlock_users", "_selected_action": [str(verified_member.pk)]}
    )
    assert response.status_code == 302
    verified_member.refresh_from_db()
    assert not verified_member.is_locked
    assert sign_in(acme_client, verified_member.email).status_code == 302


def test_the_admin_lock_filter_and_action_are_staff_only(platform_client, verified_member, acme_member):
    platform_client.force_login(acme_member)  # not staff
    assert platform_client.get("/admin/accounts/user/?locked=yes").status_code == 302
    for _ in range(5):
        login_failure_register(email=verified_member.email)
    response = platform_client.post(
        "/admin/accounts/user/", {"action": "unlock_users", "_selected_action": [str(verified_member.pk)]}
    )
    assert response.status_code == 302 and "/login/" in response["Location"]
    verified_member.refresh_from_db()
    assert verified_member.is_locked


def test_lock_is_global_across_domains(acme_client, globex_client, verified_member):
    _fail(acme_client, verified_member.email, 5)
    assert form_errors(sign_in(globex_client, verified_member.email)) == [LOCKED]


def test_a_correct_password_while_not_locked_still_signs_in(acme_client, verified_member):
    assert sign_in(acme_client, verified_member.email, PASSWORD).status_code == 302
    assert acme_client.get("/manage/").status_code == 200
