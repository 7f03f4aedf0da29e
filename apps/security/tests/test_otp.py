"""Sign-in codes by email and SMS as second factors (apps/security/otp.py): enrolment on the account
page, the challenge step of sign-in, the token API, expiry, single use, rate limits, the policy."""

import importlib.util
import re
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.services import user_email_mark_verified
from apps.policy.services import policy_set
from apps.security.adapters import MFAAdapter
from apps.security.models import AuthEvent
from apps.security.otp import OtpError, otp_code_send, otp_code_verify, otp_email_enable
from apps.security.otp_models import OneTimeCode, OtpFactor
from apps.security.selectors import tenant_mfa_enrolment_required

from .conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db

CHALLENGE = "/accounts/2fa/authenticate/"
SEND = "/accounts/2fa/authenticate/code/"

_STUB = Path(__file__).resolve().parents[3] / "bin" / "sms_stub.py"
if "sms_stub_server" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("sms_stub_server", _STUB)
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["sms_stub_server"] = _module
    _spec.loader.exec_module(_module)
SmsStub = sys.modules["sms_stub_server"].SmsStub


@pytest.fixture
def allow(acme, acme_root):
    """allow("email", "sms"): acme's root policy allows those code channels."""

    def _allow(*channels: str) -> None:
        with tenant_context(acme):
            policy_set(entity=acme_root, acting_user=None, allowed_second_factors=list(channels))

    return _allow


@pytest.fixture
def person(acme_member):
    return user_email_mark_verified(user=acme_member, acting_user=None)


@pytest.fixture
def sms_stub(settings):
    stub = SmsStub(key="k-otp")
    settings.NOTIFICATIONS_SMS_URL = stub.start()
    settings.NOTIFICATIONS_SMS_KEY = "k-otp"
    yield stub
    stub.stop()


def _code_in(text: str) -> str:
    found = re.search(r"\b(\d{6})\b", text)
    assert found is not None, text
    return found.group(1)


def _emailed_code() -> str:
    return _code_in(str(mail.outbox[-1].subject))


def _texted_code(stub) -> str:
    return _code_in(stub.messages[-1]["body"])


def _email_factor(person, acme):
    with tenant_context(acme):
        return otp_email_enable(user=person, acting_user=person, tenant=acme)


def _errors(response) -> str:
    return " ".join(response.context["form"].errors.get("code", []) + list(response.context["form"].non_field_errors()))


# --- Email codes through the sign-in page -------------------------------------------------------


def test_email_code_happy_path_from_enrolment_to_sign_in(acme_client, acme, person, allow):
    allow("email")
    acme_client.force_login(person)
    page = acme_client.get("/manage/account/")
    assert "Codes by email or text message" in page.content.decode()
    assert acme_client.post("/manage/account/codes/email/enable/").status_code == 302
    assert OtpFactor.objects.get(user=person).confirmed_at is not None
    acme_client.logout()

    response = sign_in(acme_client, person.email)
    assert response.status_code == 302 and response["Location"] == CHALLENGE
    page = acme_client.get(CHALLENGE)
    assert "Email me a code" in page.content.decode() and "Use a security key" not in page.content.decode()
    acme_client.post(SEND, {"channel": "email"})
    code = _emailed_code()
    row = OneTimeCode.objects.get(user=person)
    assert row.code_hash != code and code not in row.code_hash  # only a keyed hash is stored
    response = acme_client.post(CHALLENGE, {"code": code})
    assert response.status_code == 302
    assert acme_client.get("/manage/").status_code == 200
    assert OneTimeCode.objects.get(user=person).used_at is not None
    assert OtpFactor.objects.get(user=person).last_used_at is not None


def test_a_used_code_is_refused_the_second_time(acme_client, acme, person, allow):
    allow("email")
    _email_factor(person, acme)
    sign_in(acme_client, person.email)
    acme_client.post(SEND, {"channel": "email"})
    code = _emailed_code()
    assert acme_client.post(CHALLENGE, {"code": code}).status_code == 302
    acme_client.post("/accounts/logout/")
    sign_in(acme_client, person.email)
    response = acme_client.post(CHALLENGE, {"code": code})
    assert response.status_code == 200 and "already used" in _errors(response)
    assert acme_client.get("/manage/").status_code == 302  # not signed in


def test_an_expired_code_is_refused(acme_client, acme, person, allow):
    allow("email")
    _email_factor(person, acme)
    sign_in(acme_client, person.email)
    acme_client.post(SEND, {"channel": "email"})
    code = _emailed_code()
    past = timezone.now() - timedelta(minutes=11)
    OneTimeCode.objects.filter(user=person).update(created_at=past, expires_at=past + timedelta(minutes=10))
    response = acme_client.post(CHALLENGE, {"code": code})
    assert response.status_code == 200 and "expired" in _errors(response)
    event = AuthEvent.objects.filter(user_id=person.pk, kind=AuthEvent.Kind.MFA_FAILED).first()
    assert event.detail["reason"] == "otp_expired" and event.detail["type"] == "email"


def test_too_many_wrong_codes_kill_the_code(acme_client, acme, person, allow, settings):
    settings.OTP_MAX_ATTEMPTS = 3
    allow("email")
    _email_factor(person, acme)
    sign_in(acme_client, person.email)
    acme_client.post(SEND, {"channel": "email"})
    code = _emailed_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        assert "not valid" in _errors(acme_client.post(CHALLENGE, {"code": wrong}))
    response = acme_client.post(CHALLENGE, {"code": code})  # even the right one now
    assert "Too many wrong codes" in _errors(response)
    acme_client.post(SEND, {"channel": "email"})  # a new code works again
    assert acme_client.post(CHALLENGE, {"code": _emailed_code()}).status_code == 302


def test_sending_is_rate_limited_per_person_and_channel(acme_client, acme, person, allow, settings):
    settings.OTP_MAX_SENDS = 2
    allow("email")
    _email_factor(person, acme)
    sign_in(acme_client, person.email)
    for _ in range(2):
        acme_client.post(SEND, {"channel": "email"})
    sent = len(mail.outbox)
    page = acme_client.post(SEND, {"channel": "email"}, follow=True)
    assert "Too many codes were sent" in page.content.decode()
    assert len(mail.outbox) == sent and OneTimeCode.objects.filter(user=person).count() == 2
    with tenant_context(acme), pytest.raises(OtpError) as refused:
        otp_code_send(user=person, channel="email", tenant=acme)
    assert refused.value.code == "otp_rate_limited" and refused.value.retry_after > 0


def test_a_new_code_replaces_the_previous_one(acme, person, allow):
    allow("email")
    _email_factor(person, acme)
    with tenant_context(acme):
        otp_code_send(user=person, channel="email", tenant=acme)
        first = _emailed_code()
        otp_code_send(user=person, channel="email", tenant=acme)
        second = _emailed_code()
    with tenant_context(acme):
        if first != second:
            with pytest.raises(OtpError):
                otp_code_verify(user=person, code=first, tenant=acme)
        assert otp_code_verify(user=person, code=second, tenant=acme) == "email"


# --- SMS through the notification channels (bin/sms_stub.py) -----------------------------------


def test_sms_enrolment_confirms_the_number_then_signs_in(acme_client, acme, person, allow, sms_stub):
    allow("sms")
    acme_client.force_login(person)
    bad = acme_client.post("/manage/account/codes/sms/", {"phone": "12345"})
    assert bad.status_code == 200 and "international format" in bad.content.decode()
    response = acme_client.post("/manage/account/codes/sms/", {"phone": "+61 412 345 678"})
    assert response.status_code == 302 and response["Location"] == "/manage/account/codes/sms/confirm/"
    assert sms_stub.messages[-1]["to"] == "+61412345678"
    factor = OtpFactor.objects.get(user=person)
    assert factor.phone == "+61412345678" and factor.confirmed_at is None
    wrong = acme_client.post("/manage/account/codes/sms/confirm/", {"code": "not-it"})
    assert wrong.status_code == 200
    acme_client.post("/manage/account/codes/sms/confirm/", {"code": _texted_code(sms_stub)})
    assert OtpFactor.objects.get(user=person).confirmed_at is not None
    acme_client.logout()

    sign_in(acme_client, person.email)
    page = acme_client.get(CHALLENGE).content.decode()
    assert "Text me a code" in page and "+61••••678" in page
    acme_client.post(SEND, {"channel": "sms"})
    assert acme_client.post(CHALLENGE, {"code": _texted_code(sms_stub)}).status_code == 302
    assert acme_client.get("/manage/").status_code == 200


def test_a_failing_sms_provider_is_said_and_nothing_is_signed_in(acme_client, acme, person, allow, sms_stub):
    allow("sms")
    OtpFactor.objects.create(user=person, channel="sms", phone="+61412345678", confirmed_at=timezone.now())
    sign_in(acme_client, person.email)
    sms_stub.fail_next(1)
    page = acme_client.post(SEND, {"channel": "sms"}, follow=True)
    assert "could not be sent" in page.content.decode()


# --- The tenant's policy decides -----------------------------------------------------------------


def test_codes_are_neither_offered_nor_counted_where_the_policy_does_not_allow_them(acme_client, acme, person, allow):
    allow("email")
    _email_factor(person, acme)
    allow()  # the organisation turns codes off again
    acme_client.force_login(person)
    assert acme_client.post("/manage/account/codes/email/enable/").status_code == 302  # refused with a message
    acme_client.logout()
    response = sign_in(acme_client, person.email)
    assert response["Location"] != CHALLENGE  # no usable second factor here
    with tenant_context(acme), pytest.raises(OtpError) as refused:
        otp_code_send(user=person, channel="email", tenant=acme)
    assert refused.value.code == "otp_not_allowed"


def test_an_allowed_code_factor_satisfies_mfa_required(acme, person, allow, acme_root):
    allow("email")
    with tenant_context(acme):
        policy_set(entity=acme_root, acting_user=None, mfa_required=True)
        assert tenant_mfa_enrolment_required(user=person, tenant=acme)
        otp_email_enable(user=person, acting_user=person, tenant=acme)
        assert not tenant_mfa_enrolment_required(user=person, tenant=acme)


def test_webauthn_security_keys_keep_working_as_the_hardware_factor(acme_client, acme, person, allow, monkeypatch):
    # A stored key without a real attestation: the browser's WebAuthn options are not what is tested here.
    from allauth.mfa.webauthn.internal.flows import auth as webauthn_flows

    monkeypatch.setattr(webauthn_flows, "begin_authentication", lambda user: {"publicKey": {}})
    allow("email")
    Authenticator.objects.create(user=person, type=Authenticator.Type.WEBAUTHN, data={"name": "YubiKey"})
    assert MFAAdapter().is_mfa_enabled(person, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN])
    response = sign_in(acme_client, person.email)
    assert response["Location"] == CHALLENGE
    page = acme_client.get(CHALLENGE).content.decode()
    assert "Use a security key" in page and "Email me a code" not in page


# --- Outsiders ----------------------------------------------------------------------------------


def test_outsiders_are_refused(acme_client, globex_member, person, allow):
    allow("email", "sms")
    # Another tenant's member cannot use acme's account pages.
    acme_client.force_login(globex_member)
    assert acme_client.post("/manage/account/codes/email/enable/").status_code == 403
    assert acme_client.post("/manage/account/codes/sms/", {"phone": "+61412345678"}).status_code == 403
    assert not OtpFactor.objects.filter(user=globex_member).exists()
    # Anonymous visitors are sent to sign in; the code page needs a sign-in waiting for its second factor.
    anonymous = Client(HTTP_HOST="acme.localhost")
    assert anonymous.post("/manage/account/codes/email/enable/")["Location"].startswith("/accounts/login/")
    assert anonymous.post(SEND, {"channel": "email"})["Location"].startswith("/accounts/login/")
    assert anonymous.get(CHALLENGE)["Location"].startswith("/accounts/login/")
    assert len(mail.outbox) == 0


def test_turning_a_channel_off(acme_client, acme, person, allow):
    allow("email")
    _email_factor(person, acme)
    acme_client.force_login(person)
    assert acme_client.post("/manage/account/codes/email/disable/").status_code == 302
    assert not OtpFactor.objects.filter(user=person).exists()
    assert AuthEvent.objects.filter(user_id=person.pk, kind=AuthEvent.Kind.MFA_REMOVED).exists()


# --- The token API ------------------------------------------------------------------------------


def test_token_sign_in_with_an_email_code(acme_client, acme, person, allow, settings):
    allow("email")
    _email_factor(person, acme)
    url = "/api/v1/auth/token/"
    body = {"email": person.email, "password": PASSWORD}
    missing = acme_client.post(url, body, content_type="application/json")
    assert (missing.status_code, missing.json()["code"]) == (401, "mfa_required")
    sent = acme_client.post(url, {**body, "otp_channel": "email"}, content_type="application/json")
    assert (sent.status_code, sent.json()["code"]) == (401, "mfa_code_sent")
    code = _emailed_code()
    ok = acme_client.post(url, {**body, "otp": code}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["access"]
    again = acme_client.post(url, {**body, "otp": code}, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (401, "otp_used")
    settings.OTP_MAX_SENDS = 1
    limited = acme_client.post(url, {**body, "otp_channel": "email"}, content_type="application/json")
    assert (limited.status_code, limited.json()["code"]) == (429, "otp_rate_limited")
    assert int(limited["Retry-After"]) > 0
    not_on = acme_client.post(url, {**body, "otp_channel": "sms"}, content_type="application/json")
    assert (not_on.status_code, not_on.json()["code"]) == (400, "otp_not_allowed")


# --- Staff admin --------------------------------------------------------------------------------


def test_staff_see_and_turn_off_code_factors(platform_client, platform_superuser, support_staff, acme, person, allow):
    allow("email")
    factor = _email_factor(person, acme)
    platform_client.force_login(platform_superuser)
    listing = platform_client.get("/admin/security/otpfactor/")
    assert listing.status_code == 200 and person.email in listing.content.decode()
    data = {"action": "turn_off_factors", "_selected_action": [factor.pk]}
    assert platform_client.post("/admin/security/otpfactor/", data).status_code == 302
    assert not OtpFactor.objects.filter(pk=factor.pk).exists()
    # Support staff may look but not turn factors off (no delete permission on the model).
    factor = _email_factor(person, acme)
    platform_client.force_login(support_staff)
    platform_client.post("/admin/security/otpfactor/", {**data, "_selected_action": [factor.pk]})
    assert OtpFactor.objects.filter(pk=factor.pk).exists()
