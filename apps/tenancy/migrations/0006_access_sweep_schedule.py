"""Register the beat schedule of the role-assignment sweep (every minute): assignments whose
valid_from has come start, those whose valid_until has passed expire. Idempotent."""

from django.db import migrations
from django.utils import timezone

SWEEP_ASSIGNMENTS = "access.sweep_assignments"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    every_minute = IntervalSchedule.objects.filter(every=1, period="minutes").first() or (
        IntervalSchedule.objects.create(every=1, period="minutes")
    )
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.get_or_create(
        name=SWEEP_ASSIGNMENTS,
        defaults={
            "task": SWEEP_ASSIGNMENTS,
            "interval": every_minute,
            "description": "Start role assignments that are due and expire those past valid_until, in every tenant.",
        },
    )
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEP_ASSIGNMENTS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0005_usage_and_domain_schedules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
