"""Indexes that serve the timeline's keyset queries: (tenant, timestamp, id) on each source table.

The tables belong to other apps (audit, security, billing, tenancy, accounts); the timeline needs
exactly this shape, so the indexes are created here with IF NOT EXISTS (a later migration in the
owning app that adds the same index by name is harmless). Tenant-schema history tables are served by
simple-history's own index on history_date (the schema is the tenant).
"""

from django.db import migrations

INDEXES = [
    ("timeline_audit_tenant_ts", "audit_auditevent", "(tenant_id, created_at, id)", ""),
    ("timeline_authevent_tenant_ts", "security_authevent", "(tenant_id, created_at, id)", ""),
    ("timeline_invoice_issued_ts", "billing_invoice", "(tenant_id, issued_at, id)", "WHERE issued_at IS NOT NULL"),
    ("timeline_invoice_paid_ts", "billing_invoice", "(tenant_id, paid_at, id)", "WHERE paid_at IS NOT NULL"),
    ("timeline_payment_tenant_ts", "billing_payment", "(tenant_id, created_at, id)", ""),
    ("timeline_subchange_ts", "billing_subscriptionchange", "(subscription_id, created_at, id)", ""),
    ("timeline_hist_tenant_ts", "tenancy_historicaltenant", "(id, history_date, history_id)", ""),
    ("timeline_hist_membership_ts", "accounts_historicalmembership", "(tenant_id, history_date, history_id)", ""),
]


def _operation(name: str, table: str, columns: str, where: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" {columns} {where}'.strip(),
        reverse_sql=f'DROP INDEX IF EXISTS "{name}"',
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_triggers"),
        ("security", "0005_cleanup_expired_sessions_schedule"),
        ("billing", "0001_initial"),
        ("tenancy", "0008_billing_schedules"),
        ("accounts", "0003_user_profile_security_and_membership_lifecycle"),
    ]

    operations = [_operation(*index) for index in INDEXES]
