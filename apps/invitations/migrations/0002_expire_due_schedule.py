"""Register the beat schedule that sweeps expired invitations (every 15 minutes). Idempotent."""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "invitations.expire_due"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval = IntervalSchedule.objects.filter(every=15, period="minutes").first()
    interval = interval or IntervalSchedule.objects.create(every=15, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK_NAME,
            "interval": interval,
            "description": "Mark pending invitations past their expiry as expired.",
        },
    )
    # Signals do not run in migrations; tell a running beat that its schedule changed.
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("invitations", "0001_invitation"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
