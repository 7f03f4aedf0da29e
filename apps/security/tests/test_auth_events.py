"""Every wired kind of authentication event is written, with the tenant when on a tenant domain."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail

from apps.security.models import AuthEvent

from .conftest import PASSWORD, sign_in, totp_code, unknown_email

pytestmark = pytest.mark.django_db


def _kinds(user=None, email=None) -> list[str]:
    events = AuthEvent.objects.order_by("id")
    events = events.filter(user_id=user.pk) if user is not None else events.filter(email=email)
    return list(events.values_list("kind", flat=True))


def _reauthenticate(client) -> None:
    # allauth asks for the password again (not just a recent sign-in) before MFA changes.
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302


def test_sign_in_failure_lockout_and_success_on_a_tenant_domain(acme_client, verified_member, acme):
    sign_in(acme_client, verified_member.email, "wrong-password-123")
    assert sign_in(acme_client, verified_member.email).status_code == 302
    assert _kinds(verified_member) == [AuthEvent.Kind.LOGIN_FAILED, AuthEvent.Kind.LOGIN_SUCCEEDED]
    event = AuthEvent.objects.filter(user_id=verified_member.pk).order_by("id").last()
    assert event.tenant_id == acme.pk and event.ip_address == "127.0.0.1"


def test_lockout_events_and_refusals_while_locked(acme_client, verified_member):
    for _ in range(6):
        sign_in(acme_client, verified_member.email, "wrong-password-123")
    kinds = _kinds(verified_member)
    assert kinds.count(AuthEvent.Kind.LOGIN_FAILED) == 6  # five counted, one refused while locked
    assert kinds.count(AuthEvent.Kind.LOCKED_OUT) == 1
    refused = (
        AuthEvent.objects.filter(user_id=verified_member.pk, kind=AuthEvent.Kind.LOGIN_FAILED).order_by("id").last()
    )
    assert refused.detail == {"reason": "locked"}


def test_unknown_email_failures_are_recorded_by_email_only(acme_client):
    email = unknown_email()
    for _ in range(5):
        sign_in(acme_client, email, "wrong-password-123")
    assert _kinds(email=email) == [AuthEvent.Kind.LOGIN_FAILED] * 5 + [AuthEvent.Kind.LOCKED_OUT]
    assert not AuthEvent.objects.filter(email=email, user_id__isnull=False).exists()


def test_platform_domain_events_have_no_tenant(platform_client, verified_member):
    sign_in(platform_client, verified_member.email, "wrong-password-123")
    assert AuthEvent.objects.get(user_id=verified_member.pk).tenant_id is None


def test_sign_out(acme_client, verified_member, acme):
    sign_in(acme_client, verified_member.email)
    acme_client.post("/accounts/logout/")
    event = AuthEvent.objects.filter(user_id=verified_member.pk).order_by("id").last()
    assert (event.kind, event.tenant_id) == (AuthEvent.Kind.LOGGED_OUT, acme.pk)


def test_mfa_enrolment_through_allauth(acme_client, verified_member, django_capture_on_commit_callbacks):
    sign_in(acme_client, verified_member.email)
    _reauthenticate(acme_client)
    acme_client.get("/accounts/2fa/totp/activate/")
    secret = acme_client.session["mfa.totp.secret"]
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals enrolment after commit
        response = acme_client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    enrolled = AuthEvent.objects.filter(user_id=verified_member.pk, kind=AuthEvent.Kind.MFA_ENROLLED)
    assert {e.detail["type"] for e in enrolled} == {"totp", "recovery_codes"}


def test_recovery_codes_regenerated(acme_client, verified_member, django_capture_on_commit_callbacks):
    secret = generate_totp_secret()
    TOTP.activate(verified_member, secret)
    RecoveryCodes.activate(verified_member)
    sign_in(acme_client, verified_member.email)
    acme_client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    _reauthenticate(acme_client)
    with django_capture_on_commit_callbacks(execute=True):
        assert acme_client.post("/accounts/2fa/recovery-codes/generate/").status_code == 302
    event = AuthEvent.objects.get(user_id=verified_member.pk, kind=AuthEvent.Kind.MFA_ENROLLED)
    assert event.detail == {"type": "recovery_codes", "regenerated": True}


def test_mfa_failed_code_and_recovery_code_used(acme_client, verified_member):
    TOTP.activate(verified_member, generate_totp_secret())
    code = RecoveryCodes.activate(verified_member).get_unused_codes()[0]
    response = sign_in(acme_client, verified_member.email)
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    acme_client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert acme_client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    assert _kinds(verified_member) == [
        AuthEvent.Kind.MFA_FAILED, AuthEvent.Kind.MFA_RECOVERY_CODE_USED, AuthEvent.Kind.LOGIN_SUCCEEDED,
    ]  # fmt: skip
    failed = AuthEvent.objects.get(user_id=verified_member.pk, kind=AuthEvent.Kind.MFA_FAILED)
    assert failed.detail["type"] == "totp"


def test_mfa_removal(acme_client, verified_member):
    secret = generate_totp_secret()
    TOTP.activate(verified_member, secret)
    sign_in(acme_client, verified_member.email)
    acme_client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    _reauthenticate(acme_client)
    response = acme_client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=verified_member).exists()
    removed = AuthEvent.objects.get(user_id=verified_member.pk, kind=AuthEvent.Kind.MFA_REMOVED)
    assert removed.detail["type"] == "totp"


def test_password_change(acme_client, verified_member):
    sign_in(acme_client, verified_member.email)
    acme_client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "a-new-long-passphrase-42", "password2": "a-new-long-passphrase-42"},
    )
    assert AuthEvent.Kind.PASSWORD_CHANGED in _kinds(verified_member)


def test_password_reset(acme_client, verified_member):
    acme_client.post("/accounts/password/reset/", {"email": verified_member.email})
    link = re.search(r"http://acme\.localhost(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body).group(1)
    form_page = acme_client.get(link, follow=True)
    action = form_page.redirect_chain[-1][0]
    response = acme_client.post(action, {"password1": "a-reset-passphrase-77", "password2": "a-reset-passphrase-77"})
    assert response.status_code == 302
    assert AuthEvent.Kind.PASSWORD_RESET in _kinds(verified_member)
