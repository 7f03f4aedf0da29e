"""Security alerts reach the person through apps.notifications: a sign-in from a new device, a password
change. Both are critical (never held back by preferences)."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.notifications.services import preference_set
from apps.security.services import PasswordChange, user_password_changed, user_session_start

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile Safari/604.1"


def _sign_in(user, key, agent):
    return user_session_start(user=user, session_key=key, ip_address="203.0.113.9", user_agent=agent,
                              expires_at=timezone.now() + timezone.timedelta(days=1))  # fmt: skip


def test_a_new_device_is_told_but_not_the_first_sign_in_nor_a_known_device(
    acme_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _sign_in(acme_member, "k1", FIREFOX)  # the very first sign-in is not news
        _sign_in(acme_member, "k2", FIREFOX)  # the same device again
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        _sign_in(acme_member, "k3", SAFARI)
    (email,) = mail.outbox
    assert email.to == [acme_member.email] and "New sign-in" in email.subject and "203.0.113.9" in email.body


def test_a_password_change_is_told_even_with_email_switched_off(acme, acme_member, django_capture_on_commit_callbacks):
    with tenant_context(acme), pytest.raises(ValidationError, match="critical"):
        preference_set(user=acme_member, category="security", channel="email", enabled=False, acting_user=acme_member)
    with django_capture_on_commit_callbacks(execute=True):
        user_password_changed(user=acme_member, how=PasswordChange.RESET, acting_user=acme_member)
    (email,) = mail.outbox
    assert email.to == [acme_member.email] and "reset" in email.subject.lower()
