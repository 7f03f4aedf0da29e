"""Indexes that serve the timeline's correlation filter: one request or task across every source.

A page filtered by a correlation id asks each source for the rows of one tenant with that id; these
indexes answer it from the few matching rows instead of a walk through the tenant's history (audit,
support and history tables already index `correlation_id` on their own). Created here, like 0001,
because the timeline needs exactly this shape on other apps' public tables.
"""

from django.db import migrations

INDEXES = [
    ("timeline_authevent_corr", "security_authevent", "(tenant_id, correlation_id)"),
    ("timeline_invoice_corr", "billing_invoice", "(tenant_id, correlation_id)"),
    ("timeline_payment_corr", "billing_payment", "(tenant_id, correlation_id)"),
    ("timeline_subchange_corr", "billing_subscriptionchange", "(correlation_id, subscription_id)"),
    ("timeline_provstep_corr", "tenancy_provisioningstep", "(correlation_id, job_id)"),
    ("timeline_email_corr", "emails_emaildelivery", "(tenant_id, correlation_id)"),
]


def _operation(name: str, table: str, columns: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" {columns}',
        reverse_sql=f'DROP INDEX IF EXISTS "{name}"',
    )


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0001_timeline_indexes"),
        ("security", "0005_cleanup_expired_sessions_schedule"),
        ("billing", "0004_correlation_ids"),
        ("tenancy", "0010_correlation_ids"),
        ("emails", "0001_email_delivery"),
    ]

    operations = [_operation(*index) for index in INDEXES]
