"""Which public rows travel with a tenant: found from the models, with the deliberate exceptions named."""

import uuid

from django.apps import apps

from apps.backups.tables import PUBLIC_SKIPPED, public_tables


def test_the_issue_list_travels_with_the_tenant():
    tables = {t.table for t in public_tables(str(uuid.uuid4()))}
    expected = {
        "tenancy_tenant", "tenancy_domain", "accounts_membership", "billing_subscription", "billing_invoice",
        "billing_invoiceline", "billing_payment", "support_ticket", "support_ticketmessage", "audit_auditevent",
    }  # fmt: skip
    assert expected <= tables
    assert not tables & set(PUBLIC_SKIPPED)


def test_every_skipped_name_is_a_real_table():
    real = {m._meta.db_table for m in apps.get_models()}
    assert set(PUBLIC_SKIPPED) <= real
