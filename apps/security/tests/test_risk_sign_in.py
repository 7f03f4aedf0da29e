"""Risk-based sign-in at the doors: the portal's web sign-in (allauth), the staff admin's, and API token
sign-in; the step-up and refuse thresholds of the security policy; the "new sign-in" notification and
the scored event in the activity timeline."""

import re
from typing import cast

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context

from apps.accounts.models import User
from apps.accounts.services import user_email_mark_verified
from apps.accounts.totp import totp_ensure
from apps.policy.services import policy_set
from apps.security.models import AuthEvent, KnownDevice
from apps.security.otp import otp_email_enable
from apps.timeline.selectors import timeline_page
from tests.factories import UserFactory

from .conftest import PASSWORD, sign_in, totp_code

pytestmark = pytest.mark.django_db

LONDON = {"REMOTE_ADDR": "81.2.69.142"}
COOKIE = settings.SIGNIN_RISK_DEVICE_COOKIE


def _set_policy(tenant, root, **fields):
    with tenant_context(tenant):
        policy_set(entity=root, acting_user=None, **fields)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _events(user, kind):
    return list(AuthEvent.objects.filter(user_id=user.pk, kind=kind).order_by("id"))


def test_a_web_sign_in_is_scored_and_the_browser_gets_its_device_cookie(acme, acme_client, verified_member):
    response = sign_in(acme_client, verified_member.email, **LONDON)
    assert _signed_in(acme_client)
    (event,) = _events(verified_member, AuthEvent.Kind.LOGIN_SUCCEEDED)
    assert (event.risk_score, event.risk_flags, event.country, event.city) == (0, [], "GB", "London")
    assert event.tenant_id == acme.pk and len(event.device_fingerprint) == 64
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and len(cookie.value) >= 22
    assert KnownDevice.objects.filter(user=verified_member, fingerprint=event.device_fingerprint).exists()


def test_the_same_browser_is_known_and_a_new_browser_profile_is_new(
    acme, acme_client, verified_member, django_capture_on_commit_callbacks
):
    sign_in(acme_client, verified_member.email, **LONDON)
    acme_client.post("/accounts/logout/")
    with django_capture_on_commit_callbacks(execute=True):
        sign_in(acme_client, verified_member.email, **LONDON)  # the cookie comes back: a known device
    assert mail.outbox == []
    fresh = Client(HTTP_HOST="acme.localhost")  # same headers, no cookie: another browser profile
    with django_capture_on_commit_callbacks(execute=True):
        sign_in(fresh, verified_member.email, **LONDON)
    last = _events(verified_member, AuthEvent.Kind.LOGIN_SUCCEEDED)[-1]
    assert (last.risk_flags, last.risk_score) == (["new_device"], 30)
    (email,) = mail.outbox
    assert email.to == [verified_member.email] and "New sign-in" in email.subject
    assert "London, GB" in email.body and "Risk 30/100" in email.body and "a device never used before" in email.body


def test_the_scored_sign_in_shows_in_the_activity_timeline(acme, acme_client, verified_member):
    sign_in(acme_client, verified_member.email, **LONDON)
    sign_in(Client(HTTP_HOST="acme.localhost"), verified_member.email, **LONDON)
    with tenant_context(acme):
        entries = timeline_page(tenant=acme, audience="tenant", limit=10, kinds=["auth"]).entries
    newest = entries[0]
    assert newest.summary == "Login succeeded"
    assert newest.detail == "risk 30/100 (new device) · London, GB"


def test_above_the_refuse_score_the_sign_in_is_refused_with_how_to_proceed(
    acme, acme_root, acme_client, verified_member, django_capture_on_commit_callbacks
):
    _set_policy(acme, acme_root, risk_refuse_score=5)
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in(acme_client, verified_member.email)  # 127.0.0.1: unknown location, 10
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not _signed_in(acme_client)
    page = acme_client.get(response["Location"]).content.decode()
    assert "This sign-in was refused because it looks unusual" in page and "Acme&#x27;s administrator" in page
    (event,) = _events(verified_member, AuthEvent.Kind.LOGIN_FAILED)
    assert (event.risk_score, event.risk_flags) == (10, ["location_unknown"])
    assert event.detail == {"reason": "sign_in_refused_risk", "step_up_score": 50, "refuse_score": 5}
    (email,) = mail.outbox
    assert "Sign-in refused" in email.subject


def test_above_the_step_up_score_a_person_with_a_factor_is_asked_for_it(acme, acme_root, acme_client, verified_member):
    secret = generate_totp_secret()
    TOTP.activate(verified_member, secret)
    _set_policy(acme, acme_root, risk_step_up_score=5)
    response = sign_in(acme_client, verified_member.email)
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert not _signed_in(acme_client)
    acme_client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert _signed_in(acme_client)
    (event,) = _events(verified_member, AuthEvent.Kind.LOGIN_SUCCEEDED)
    assert event.risk_score == 10  # the assessment made at the password step


def test_above_the_step_up_score_a_person_without_a_factor_confirms_with_an_email_code(
    acme, acme_root, acme_client, verified_member
):
    # No factor of their own, the policy allows no code factors: the verified address confirms the sign-in.
    _set_policy(acme, acme_root, risk_step_up_score=5)
    response = sign_in(acme_client, verified_member.email)
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert not _signed_in(acme_client)
    page = acme_client.get("/accounts/2fa/authenticate/").content.decode()
    assert "This sign-in looks unusual for your account" in page and "Email me a code" in page
    acme_client.post("/accounts/2fa/authenticate/", {"code": "000000"})  # before any code: refused
    assert not _signed_in(acme_client)
    acme_client.post("/accounts/2fa/authenticate/code/", {"channel": "sms"})  # no SMS without a factor
    assert mail.outbox == []
    acme_client.post("/accounts/2fa/authenticate/code/", {"channel": "email"})
    (email,) = mail.outbox
    assert email.to == [verified_member.email]
    code = re.search(r"\b(\d{6})\b", str(email.subject))
    assert code is not None
    acme_client.post("/accounts/2fa/authenticate/", {"code": code.group(1)})
    assert _signed_in(acme_client)
    (event,) = _events(verified_member, AuthEvent.Kind.LOGIN_SUCCEEDED)
    assert event.risk_score == 10
    assert not _events(verified_member, AuthEvent.Kind.LOGIN_FAILED)
    # Nothing was enrolled: the next ordinary sign-in asks for no second factor.
    assert not verified_member.otp_factors.exists()


def test_the_email_step_up_code_is_not_sent_or_taken_outside_a_risky_sign_in(
    acme, acme_root, acme_client, verified_member
):
    # An ordinary sign-in of a person without factors: no second step, and the code page sends nothing.
    response = sign_in(acme_client, verified_member.email)
    assert _signed_in(acme_client)
    acme_client.post("/accounts/logout/")
    assert acme_client.post("/accounts/2fa/authenticate/code/", {"channel": "email"}).status_code == 302
    assert mail.outbox == []
    assert response.status_code == 302


def test_above_the_step_up_score_a_person_without_a_factor_is_told_how_to_proceed(
    acme, acme_root, acme_client, verified_member, settings
):
    settings.SIGNIN_RISK_EMAIL_STEP_UP = False  # or a person without a verified address
    _set_policy(acme, acme_root, risk_step_up_score=5)
    response = sign_in(acme_client, verified_member.email)
    assert not _signed_in(acme_client)
    page = acme_client.get(response["Location"]).content.decode()
    assert "a second factor is needed to confirm it is you" in page and "set up an authenticator" in page
    (event,) = _events(verified_member, AuthEvent.Kind.LOGIN_FAILED)
    assert event.detail["reason"] == "mfa_step_up_unavailable"


def test_above_the_step_up_score_an_email_code_factor_is_asked_for(acme, acme_root, acme_client, verified_member):
    # A person whose only factor is a code by email (allowed by the policy) is asked for it, not refused.
    _set_policy(acme, acme_root, risk_step_up_score=5, allowed_second_factors=["email"])
    with tenant_context(acme):
        otp_email_enable(user=verified_member, acting_user=verified_member, tenant=acme)
    response = sign_in(acme_client, verified_member.email)
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert not _signed_in(acme_client)
    acme_client.post("/accounts/2fa/authenticate/code/", {"channel": "email"})
    code = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].subject))
    assert code is not None
    acme_client.post("/accounts/2fa/authenticate/", {"code": code.group(1)})
    assert _signed_in(acme_client)
    assert not _events(verified_member, AuthEvent.Kind.LOGIN_FAILED)
    # The API asks the same person for a code, then lets the sign-in through (not mfa_step_up_unavailable).
    assert _obtain(acme_client, verified_member).json()["code"] == "mfa_required"
    body = {"email": verified_member.email, "password": PASSWORD}
    sent = acme_client.post(TOKEN, {**body, "otp_channel": "email"}, content_type="application/json")
    assert sent.json()["code"] == "mfa_code_sent"
    code = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].subject))
    assert code is not None
    response = acme_client.post(TOKEN, {**body, "otp": code.group(1)}, content_type="application/json")
    assert response.status_code == 200, response.json()


def test_below_the_thresholds_nothing_changes(acme, acme_root, acme_client, verified_member):
    _set_policy(acme, acme_root, risk_step_up_score=10, risk_refuse_score=10)  # "above", not "at"
    sign_in(acme_client, verified_member.email)
    assert _signed_in(acme_client)


def test_a_replayed_device_cookie_does_not_replace_the_password(acme, acme_client, verified_member):
    first = sign_in(acme_client, verified_member.email, **LONDON)
    attacker = Client(HTTP_HOST="acme.localhost")
    attacker.cookies[COOKIE] = first.cookies[COOKIE].value  # same cookie, same headers: a known device
    sign_in(attacker, verified_member.email, password="wrong password", **LONDON)
    assert not _signed_in(attacker)
    forged = Client(HTTP_HOST="acme.localhost")
    forged.cookies[COOKIE] = "<not a device id>"
    response = sign_in(forged, verified_member.email, **LONDON)
    assert _signed_in(forged) and response.cookies[COOKIE].value != "<not a device id>"
    assert _events(verified_member, AuthEvent.Kind.LOGIN_SUCCEEDED)[-1].risk_flags == ["new_device"]


def test_staff_use_the_platform_thresholds_from_settings(platform_client, settings):
    user = cast(User, UserFactory(email="risky-staff@platform.test", is_staff=True, is_superuser=True))
    user_email_mark_verified(user=user, acting_user=None)
    totp_ensure(user)
    settings.SIGNIN_RISK_STAFF_REFUSE_SCORE = 5
    response = platform_client.post("/accounts/login/?next=/admin/", {"login": user.email, "password": PASSWORD})
    assert response["Location"] == "/accounts/login/"
    (event,) = _events(user, AuthEvent.Kind.LOGIN_FAILED)
    assert event.tenant_id is None and event.detail["refuse_score"] == 5


# --- API token sign-in ---------------------------------------------------------------------------

TOKEN = "/api/v1/auth/token/"


def _obtain(client, user, **headers):
    body = {"email": user.email, "password": PASSWORD}
    return client.post(TOKEN, body, content_type="application/json", **headers)


def test_api_token_sign_in_is_scored(acme, acme_client, verified_member):
    response = _obtain(acme_client, verified_member, HTTP_USER_AGENT="acme-app/2.1", **LONDON)
    assert response.status_code == 200
    (event,) = _events(verified_member, AuthEvent.Kind.TOKEN_ISSUED)
    assert (event.risk_score, event.country, event.tenant_id) == (0, "GB", acme.pk)
    assert _obtain(acme_client, verified_member, HTTP_USER_AGENT="other-app/1.0", **LONDON).status_code == 200
    assert _events(verified_member, AuthEvent.Kind.TOKEN_ISSUED)[-1].risk_flags == ["new_device"]


def test_api_token_sign_in_refused_above_the_thresholds_with_a_code(acme, acme_root, acme_client, verified_member):
    _set_policy(acme, acme_root, risk_step_up_score=5)
    response = _obtain(acme_client, verified_member)
    assert (response.status_code, response.json()["code"]) == (403, "mfa_step_up_unavailable")
    _set_policy(acme, acme_root, risk_refuse_score=5)
    response = _obtain(acme_client, verified_member)
    assert (response.status_code, response.json()["code"]) == (403, "sign_in_refused_risk")
    assert "looks unusual" in response.json()["detail"]
    assert not _events(verified_member, AuthEvent.Kind.TOKEN_ISSUED)
