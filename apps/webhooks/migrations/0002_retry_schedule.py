"""Register the beat schedule of webhooks: `webhooks.retry_due` every minute. Idempotent."""

from django.db import migrations
from django.utils import timezone

RETRY_DUE = "webhooks.retry_due"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    every_minute = IntervalSchedule.objects.filter(every=1, period="minutes").first() or IntervalSchedule.objects.create(
        every=1, period="minutes"
    )
    apps.get_model("django_celery_beat", "PeriodicTask").objects.get_or_create(
        name=RETRY_DUE,
        defaults={
            "task": RETRY_DUE,
            "interval": every_minute,
            "description": "Send webhook deliveries that are due (retries with backoff, and any the broker missed).",
        },
    )
    # Signals do not run in migrations; tell a running beat that its schedule changed.
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=RETRY_DUE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
