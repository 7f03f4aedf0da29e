"""Register the beat schedules of the technical logs: flush the API request buffer (every 10 s),
archive and prune past retention (daily, 03:00 UTC), verify the audit chains (daily, 04:00 UTC).
Idempotent."""

from django.db import migrations
from django.utils import timezone

FLUSH = "logs.flush_api_requests"
ARCHIVE = "logs.archive_and_prune"
AUDIT_VERIFY = "logs.audit_verify"


def _interval(apps, every, period):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    return IntervalSchedule.objects.filter(every=every, period=period).first() or IntervalSchedule.objects.create(
        every=every, period=period
    )


def _daily(apps, hour):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    fields = {"minute": "0", "hour": str(hour), "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}
    return CrontabSchedule.objects.filter(timezone="UTC", **fields).first() or CrontabSchedule.objects.create(
        timezone="UTC", **fields
    )


def schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.get_or_create(
        name=FLUSH,
        defaults={
            "task": FLUSH,
            "interval": _interval(apps, 10, "seconds"),
            "description": "Move buffered API request log entries from Redis into the partitioned log table.",
        },
    )
    PeriodicTask.objects.get_or_create(
        name=ARCHIVE,
        defaults={
            "task": ARCHIVE,
            "crontab": _daily(apps, 3),
            "description": "Archive technical logs older than the retention to gzip JSON lines, then delete them.",
        },
    )
    PeriodicTask.objects.get_or_create(
        name=AUDIT_VERIFY,
        defaults={
            "task": AUDIT_VERIFY,
            "crontab": _daily(apps, 4),
            "description": "Verify every audit hash chain; raise an operational alert on a broken one.",
        },
    )
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[FLUSH, ARCHIVE, AUDIT_VERIFY]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("logs", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
