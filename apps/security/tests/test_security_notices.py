"""Security alerts reach the person through apps.notifications: a sign-in from a new device or place
(test_risk_sign_in.py), a password change. Both are critical (never held back by preferences)."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from apps.notifications.services import preference_set
from apps.security.services import PasswordChange, user_password_changed

pytestmark = pytest.mark.django_db

# A sign-in from a new device or place is told by risk-based sign-in: apps/security/tests/test_risk_sign_in.py.


def test_a_password_change_is_told_even_with_email_switched_off(acme, acme_member, django_capture_on_commit_callbacks):
    with tenant_context(acme), pytest.raises(ValidationError, match="critical"):
        preference_set(user=acme_member, category="security", channel="email", enabled=False, acting_user=acme_member)
    with django_capture_on_commit_callbacks(execute=True):
        user_password_changed(user=acme_member, how=PasswordChange.RESET, acting_user=acme_member)
    (email,) = mail.outbox
    assert email.to == [acme_member.email] and "reset" in email.subject.lower()
