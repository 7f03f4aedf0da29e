"""Who hears about billing: the tenant admins (as people) and the billing address, told once."""

import pytest

from apps.billing.notices import billing_contacts
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


def test_admins_and_the_billing_address_once(acme, acme_admin, acme_member):
    Tenant.objects.filter(pk=acme.pk).update(billing_email="accounts@acme.test")
    acme.refresh_from_db()
    assert billing_contacts(acme, {}) == [acme_admin.pk, "accounts@acme.test"]
    Tenant.objects.filter(pk=acme.pk).update(billing_email=acme_admin.email.upper())
    acme.refresh_from_db()
    assert billing_contacts(acme, {}) == [acme_admin.pk]  # the admin is told once, as a person
