"""Helpers for the security tests: real sign-ins through allauth, without allauth's IP rate limits."""

import time
import uuid
from typing import Any, cast

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client

from apps.accounts.models import Membership, User
from apps.accounts.services import user_email_mark_verified
from tests.factories import MembershipFactory

PASSWORD = "correct-horse-battery-staple"
CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)


@pytest.fixture(autouse=True)
def _no_allauth_rate_limits(settings):
    # Every test signs in from 127.0.0.1, and other checkouts share the Redis test database: allauth's
    # per-IP limit would make these tests depend on each other. The product's lockout is what is tested.
    settings.ACCOUNT_RATE_LIMITS = False


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra):
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)


def form_errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def unknown_email() -> str:
    return f"nobody-{uuid.uuid4().hex[:12]}@nowhere.test"


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _member(**fields: Any) -> User:
    return cast(Membership, MembershipFactory(**fields)).user


@pytest.fixture
def verified_member(acme) -> User:
    """An acme member who can sign in through allauth (verified email)."""
    return user_email_mark_verified(user=_member(tenant=acme, user__email="verified@acme.test"), acting_user=None)


@pytest.fixture
def acme_viewer(acme) -> User:
    return _member(tenant=acme, role=Membership.Role.VIEWER, user__email="viewer@acme.test")


@pytest.fixture
def acme_suspended(acme) -> User:
    return _member(tenant=acme, status=Membership.Status.SUSPENDED, user__email="suspended@acme.test")


@pytest.fixture
def browser(acme):
    """A second acme client (another browser of the same person)."""
    return lambda **extra: Client(HTTP_HOST="acme.localhost", **extra)
