"""One truth for email verification: allauth's confirmation sets User.email_verified_at, so the
person it confirmed can obtain API tokens (which refuse `email_unverified` before)."""

import importlib

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.apps import apps as django_apps

from apps.accounts.models import Membership
from apps.accounts.services import user_email_mark_verified
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory's password
TOKEN = "/api/v1/auth/token/"


@pytest.fixture
def unverified(acme):
    user = MembershipFactory(tenant=acme, role=Membership.Role.MEMBER, user__email="new@acme.test").user
    user.email_verified_at = None
    user.save(update_fields=["email_verified_at"])
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    return user


def _obtain(client, user):
    return client.post(TOKEN, {"email": user.email, "password": PASSWORD}, content_type="application/json")


def test_confirming_through_allauths_link_lets_the_person_obtain_tokens(acme_client, unverified):
    refused = _obtain(acme_client, unverified)
    assert refused.status_code == 403 and refused.json()["code"] == "email_unverified"

    address = EmailAddress.objects.get(user=unverified)
    key = EmailConfirmationHMAC(address).key
    page = acme_client.get(f"/accounts/confirm-email/{key}/")
    assert page.status_code == 200
    confirmed = acme_client.post(f"/accounts/confirm-email/{key}/")
    assert confirmed.status_code == 302, confirmed.content

    unverified.refresh_from_db()
    assert unverified.email_verified_at is not None
    assert EmailAddress.objects.get(user=unverified).verified
    response = _obtain(acme_client, unverified)
    assert response.status_code == 200, response.content
    assert response.json()["access"]


def test_any_save_of_the_verified_primary_address_sets_it_too(unverified):
    address = EmailAddress.objects.get(user=unverified)
    address.verified = True
    address.save()
    unverified.refresh_from_db()
    assert unverified.email_verified_at is not None


def test_verifying_another_address_of_the_person_does_not_count(unverified):
    EmailAddress.objects.create(user=unverified, email="other@acme.test", primary=False, verified=True)
    unverified.refresh_from_db()
    assert unverified.email_verified_at is None


def test_the_service_is_idempotent_and_writes_one_history_row(unverified):
    user_email_mark_verified(user=unverified, acting_user=None)
    first = unverified.email_verified_at
    rows = unverified.history.count()
    user_email_mark_verified(user=unverified, acting_user=None)
    unverified.refresh_from_db()
    assert unverified.email_verified_at == first and unverified.history.count() == rows


def test_the_backfill_migration_sets_it_for_verified_primary_addresses(unverified, acme):
    other = MembershipFactory(tenant=acme, role=Membership.Role.MEMBER, user__email="still@acme.test").user
    type(other).objects.filter(pk__in=[unverified.pk, other.pk]).update(email_verified_at=None)
    EmailAddress.objects.filter(user=unverified).update(verified=True)  # as allauth did before the bridge
    EmailAddress.objects.create(user=other, email=other.email, primary=True, verified=False)

    migration = importlib.import_module("apps.accounts.migrations.0005_email_verified_at_from_allauth")
    migration.backfill(django_apps, None)

    unverified.refresh_from_db()
    other.refresh_from_db()
    assert unverified.email_verified_at is not None and other.email_verified_at is None
