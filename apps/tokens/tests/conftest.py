import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from tests.factories import UserFactory

PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory's password


@pytest.fixture
def obtain(acme_client):
    """POST /api/v1/auth/token/ on acme (or another client) and return the response."""

    def _obtain(user, client=None, **extra):
        body = {"email": user.email, "password": PASSWORD, **extra}
        return (client or acme_client).post("/api/v1/auth/token/", body, content_type="application/json")

    return _obtain


@pytest.fixture
def mfa_user(acme):
    """An acme member with TOTP and recovery codes; returns (user, totp secret, recovery codes)."""
    from apps.accounts.models import Membership
    from tests.factories import MembershipFactory

    user = UserFactory(email="mfa@acme.test")
    MembershipFactory(user=user, tenant=acme, role=Membership.Role.MEMBER)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user).get_unused_codes()
    return user, secret, codes
