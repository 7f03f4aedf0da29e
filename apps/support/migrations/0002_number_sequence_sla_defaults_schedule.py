"""Ticket numbers come from a PostgreSQL sequence (concurrent opens never collide); default SLA
targets per priority (and faster ones for the enterprise plan when it exists); the beat schedule of
the SLA breach sweep (every 5 minutes). Idempotent."""

from django.db import migrations


def seed_sla(apps, schema_editor):
    from apps.support.sla import sla_policies_seed

    sla_policies_seed(policy_model=apps.get_model("support", "SlaPolicy"), plan_model=apps.get_model("tenancy", "Plan"))


# Issue 12: the beat schedule this migration wrote is declared in the owning app's contributions.py and
# written by `manage.py schedules_sync` (apps/backoffice/schedules.py); the operation is kept as a no-op
# so the migration graph stays as it was.


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS support_ticket_number_seq START 1",
            "DROP SEQUENCE IF EXISTS support_ticket_number_seq",
        ),
        migrations.RunPython(seed_sla, migrations.RunPython.noop),
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
