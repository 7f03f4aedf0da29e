"""The request number sequence (GDPR-000001, never reused) and the daily overdue check (06:00 UTC)."""

from django.db import migrations
from django.utils import timezone

OVERDUE_TASK = "gdpr.flag_overdue"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    fields = {"minute": "0", "hour": "6", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}
    crontab = CrontabSchedule.objects.filter(timezone="UTC", **fields).first() or CrontabSchedule.objects.create(
        timezone="UTC", **fields
    )
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.get_or_create(
        name=OVERDUE_TASK,
        defaults={
            "task": OVERDUE_TASK,
            "crontab": crontab,
            "description": "Flag GDPR requests still open past their 30-day due date (one UPDATE).",
        },
    )
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=OVERDUE_TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("gdpr", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS gdpr_request_number_seq",
            "DROP SEQUENCE IF EXISTS gdpr_request_number_seq",
        ),
        migrations.RunPython(schedule, unschedule),
    ]
