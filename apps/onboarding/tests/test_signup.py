"""Signup at /signup/: allauth with mandatory verification; each bad input says why and creates nothing."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from apps.accounts.models import User
from apps.onboarding.models import Onboarding
from apps.sysconfig.testing import setting_override

from .conftest import fresh_email, fresh_ip

pytestmark = pytest.mark.django_db

PASSWORD = "orange-Kettle-93-harbour"


def _client(_: str = "") -> Client:
    return Client(HTTP_HOST="localhost", REMOTE_ADDR=fresh_ip())  # each test its own IP: the signup rate is per IP


def _signup(client: Client, email: str, password: str = PASSWORD, password2: str | None = None):
    return client.post("/signup/", {"email": email, "password1": password, "password2": password2 or password})


def _nothing_created(email: str) -> None:
    assert not User.objects.filter(email__iexact=email).exists()
    assert not EmailAddress.objects.filter(email__iexact=email).exists()
    assert not Onboarding.objects.filter(user__email__iexact=email).exists()
    assert mail.outbox == []


def test_signup_page_is_served_on_the_platform_domain():
    response = _client("198.51.100.1").get("/signup/")
    assert response.status_code == 200
    assert b"Create your account" in response.content


def test_signup_creates_an_unverified_account_and_mails_the_link():
    email = fresh_email("Founder")
    response = _signup(_client(), email)
    assert response.status_code == 302
    user = User.objects.get(email=email.lower())
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert re.search(r"http://localhost/accounts/confirm-email/[^/\s]+/", mail.outbox[0].body)


def test_duplicate_email_is_refused_with_its_message(acme_admin):
    response = _signup(_client("198.51.100.3"), acme_admin.email.upper())
    assert response.status_code == 200
    assert "An account with this email address already exists" in response.content.decode()
    assert User.objects.filter(email__iexact=acme_admin.email).count() == 1
    assert mail.outbox == []


@pytest.mark.parametrize(
    "password, message",
    [("short1", "This password is too short"), ("password123456", "This password is too common")],
)
def test_weak_password_is_refused_by_the_validators(password, message):
    response = _signup(_client("198.51.100.4"), "weak@example.test", password)
    assert response.status_code == 200
    assert message in response.content.decode()
    _nothing_created("weak@example.test")


def test_closed_signup_says_so_and_creates_nothing():
    client = _client("198.51.100.5")
    with setting_override("signup.open", False):
        page = client.get("/signup/")
        response = _signup(client, "closed@example.test")
    assert b"Signup is closed" in page.content
    assert b"Signup is closed" in response.content
    _nothing_created("closed@example.test")


def test_signup_is_closed_on_a_tenant_domain(acme):
    response = Client(HTTP_HOST="acme.localhost", REMOTE_ADDR=fresh_ip()).post(
        "/accounts/signup/", {"email": "x@example.test", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert b"Signup is closed" in response.content
    _nothing_created("x@example.test")


def test_signup_is_rate_limited_per_ip(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "1/m/ip"}
    client = _client("198.51.100.7")
    assert _signup(client, fresh_email("first")).status_code == 302
    mail.outbox.clear()
    response = _signup(client, "second@example.test")
    assert response.status_code == 429
    _nothing_created("second@example.test")
