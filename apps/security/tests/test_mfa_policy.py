"""Tenant MFA policy: members of an mfa_required tenant must enrol a factor before using the portal
and the API, and whoever must have MFA cannot remove their last factor."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.forms import DeactivateTOTPForm
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from apps.security.adapters import MFAAdapter
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ENROL = "/accounts/2fa/totp/activate/"


@pytest.fixture
def acme_requires_mfa(acme):
    acme.mfa_required = True
    acme.save(update_fields=["mfa_required"])
    return acme


def _totp(user) -> Authenticator:
    return TOTP.activate(user, generate_totp_secret()).instance


def _security_key(user) -> Authenticator:
    return Authenticator.objects.create(user=user, type=Authenticator.Type.WEBAUTHN, data={"name": "YubiKey"})


def test_portal_redirects_a_member_without_a_factor_to_enrolment(acme_requires_mfa, acme_client, acme_member):
    acme_client.force_login(acme_member)
    response = acme_client.get("/manage/account/")
    assert response.status_code == 302
    assert response["Location"].startswith(ENROL) and "next=%2Fmanage%2Faccount%2F" in response["Location"]
    page = acme_client.get(response["Location"], follow=True)  # enrolment (after reauthentication)
    assert page.status_code == 200
    assert "Acme requires two-factor authentication" in page.content.decode()


def test_api_refuses_a_member_without_a_factor_with_code_mfa_required(acme_requires_mfa, acme_client, acme_member):
    acme_client.force_login(acme_member)
    response = acme_client.get("/api/v1/tenant/")
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"


def test_recovery_codes_alone_do_not_satisfy_the_policy(acme_requires_mfa, acme_client, acme_member):
    RecoveryCodes.activate(acme_member)
    acme_client.force_login(acme_member)
    assert acme_client.get("/manage/").status_code == 302


@pytest.mark.parametrize("factor", [_totp, _security_key])
def test_a_member_with_a_factor_uses_the_portal_and_api(acme_requires_mfa, acme_client, acme_member, factor):
    factor(acme_member)
    acme_client.force_login(acme_member)
    assert acme_client.get("/manage/").status_code == 200
    assert acme_client.get("/api/v1/tenant/").status_code == 200


def test_tenants_without_the_policy_are_not_affected(acme, acme_client, acme_member):
    acme_client.force_login(acme_member)
    assert acme_client.get("/manage/").status_code == 200


def test_the_policy_does_not_apply_to_non_members_or_other_tenants(
    acme_requires_mfa, acme_client, globex_client, globex_member, acme_member
):
    acme_client.force_login(globex_member)  # an outsider still gets the membership refusal
    assert acme_client.get("/manage/").status_code == 403
    globex_client.force_login(globex_member)
    assert globex_client.get("/manage/").status_code == 200


def test_accounts_pages_stay_reachable(acme_requires_mfa, acme_client, acme_member):
    acme_client.force_login(acme_member)
    assert acme_client.get("/accounts/2fa/").status_code == 200


def test_a_suspended_member_is_refused_not_redirected(acme_requires_mfa, acme_client, acme_suspended):
    acme_client.force_login(acme_suspended)
    assert acme_client.get("/manage/").status_code == 403


# --- the last factor ------------------------------------------------------------------------------


def test_cannot_delete_the_last_totp_where_the_tenant_requires_mfa(acme_requires_mfa, acme_member):
    totp = _totp(acme_member)
    RecoveryCodes.activate(acme_member)
    form = DeactivateTOTPForm(data={}, authenticator=totp)
    assert not form.is_valid()
    assert "you cannot remove your last authenticator" in " ".join(form.non_field_errors())
    assert Authenticator.objects.filter(pk=totp.pk).exists()


def test_staff_cannot_delete_their_last_factor(db):
    staff = UserFactory(is_staff=True)
    assert not MFAAdapter().can_delete_authenticator(_totp(staff))


def test_the_last_factor_can_go_when_another_remains_or_mfa_is_not_required(acme, acme_member, acme_requires_mfa):
    totp = _totp(acme_member)
    assert not MFAAdapter().can_delete_authenticator(totp)
    key = _security_key(acme_member)
    assert MFAAdapter().can_delete_authenticator(totp)
    assert MFAAdapter().can_delete_authenticator(key)
    acme.mfa_required = False
    acme.save(update_fields=["mfa_required"])
    key.delete()
    assert MFAAdapter().can_delete_authenticator(totp)


def test_without_the_policy_the_totp_can_be_deactivated(acme, acme_member):
    totp = _totp(acme_member)
    assert DeactivateTOTPForm(data={}, authenticator=totp).is_valid()


def test_the_last_security_key_cannot_be_removed_where_mfa_is_required(acme_requires_mfa, acme_client, acme_member):
    key = _security_key(acme_member)
    acme_client.force_login(acme_member)
    response = acme_client.post(f"/accounts/2fa/webauthn/keys/{key.pk}/remove/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/webauthn/"
    assert Authenticator.objects.filter(pk=key.pk).exists()


def test_recovery_codes_can_always_be_deleted(acme_requires_mfa, acme_member):
    _totp(acme_member)
    assert MFAAdapter().can_delete_authenticator(RecoveryCodes.activate(acme_member).instance)
