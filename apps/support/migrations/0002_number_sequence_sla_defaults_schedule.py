"""Ticket numbers come from a PostgreSQL sequence (concurrent opens never collide); default SLA
targets per priority (and faster ones for the enterprise plan when it exists); the beat schedule of
the SLA breach sweep (every 5 minutes). Idempotent."""

from django.db import migrations
from django.utils import timezone

SLA_SWEEP = "support.sla_sweep"


def seed_sla(apps, schema_editor):
    from apps.support.sla import sla_policies_seed

    sla_policies_seed(
        policy_model=apps.get_model("support", "SlaPolicy"), plan_model=apps.get_model("tenancy", "Plan")
    )


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    every_5 = IntervalSchedule.objects.filter(every=5, period="minutes").first() or IntervalSchedule.objects.create(
        every=5, period="minutes"
    )
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.get_or_create(
        name=SLA_SWEEP,
        defaults={"task": SLA_SWEEP, "interval": every_5,
                  "description": "Flag support tickets whose first-response or resolution SLA is breached."},
    )
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SLA_SWEEP).delete()


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
        migrations.RunPython(schedule, unschedule),
    ]
