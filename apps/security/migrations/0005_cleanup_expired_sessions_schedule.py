"""Register the beat schedule that clears expired sessions (hourly). Idempotent."""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "security.cleanup_expired_sessions"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval = IntervalSchedule.objects.filter(every=1, period="hours").first()
    interval = interval or IntervalSchedule.objects.create(every=1, period="hours")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK_NAME,
            "interval": interval,
            "description": "Delete expired Django sessions and close tracked sessions past their expiry.",
        },
    )
    # Signals do not run in migrations; tell a running beat that its schedule changed.
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("security", "0004_user_session_end_reason_expired"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
