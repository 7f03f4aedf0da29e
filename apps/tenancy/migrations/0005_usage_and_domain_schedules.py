"""Register the beat schedules of usage aggregation (nightly, 00:15 UTC) and domain re-verification
(hourly). Idempotent."""

from django.db import migrations
from django.utils import timezone

AGGREGATE_USAGE = "tenancy.aggregate_usage"
REVERIFY_DOMAINS = "tenancy.reverify_domains"


def _interval(apps, every, period):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    return IntervalSchedule.objects.filter(every=every, period=period).first() or IntervalSchedule.objects.create(
        every=every, period=period
    )


def _nightly(apps):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    fields = {"minute": "15", "hour": "0", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}
    return CrontabSchedule.objects.filter(timezone="UTC", **fields).first() or CrontabSchedule.objects.create(
        timezone="UTC", **fields
    )


def schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.get_or_create(
        name=AGGREGATE_USAGE,
        defaults={
            "task": AGGREGATE_USAGE,
            "crontab": _nightly(apps),
            "description": "Write TenantUsageDaily for yesterday and today so far; refresh tenants' current usage.",
        },
    )
    PeriodicTask.objects.get_or_create(
        name=REVERIFY_DOMAINS,
        defaults={
            "task": REVERIFY_DOMAINS,
            "interval": _interval(apps, 1, "hours"),
            "description": "Check the DNS TXT record of unverified custom domains and of verified ones due again.",
        },
    )
    # Signals do not run in migrations; tell a running beat that its schedule changed.
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[AGGREGATE_USAGE, REVERIFY_DOMAINS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0004_existing_domains_verified"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
