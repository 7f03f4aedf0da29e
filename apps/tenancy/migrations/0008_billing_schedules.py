"""Register the beat schedules of billing: the billing run (daily, 01:00 UTC), dunning retries
(hourly) and billing alerts (daily, 02:00 UTC). Idempotent."""

from django.db import migrations
from django.utils import timezone

BILLING_RUN = "billing.run"
BILLING_DUNNING = "billing.dunning"
BILLING_ALERTS = "billing.alerts"


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
        name=BILLING_RUN,
        defaults={
            "task": BILLING_RUN,
            "crontab": _daily(apps, 1),
            "description": "Renew subscriptions whose period ended: issue the invoice, charge it, advance the period.",
        },
    )
    PeriodicTask.objects.get_or_create(
        name=BILLING_DUNNING,
        defaults={
            "task": BILLING_DUNNING,
            "interval": _interval(apps, 1, "hours"),
            "description": "Retry failed invoice payments that are due; suspend tenants after the last failure.",
        },
    )
    PeriodicTask.objects.get_or_create(
        name=BILLING_ALERTS,
        defaults={
            "task": BILLING_ALERTS,
            "crontab": _daily(apps, 2),
            "description": "Raise billing alerts (usage near plan limits, cards expiring) and email them once.",
        },
    )
    # Signals do not run in migrations; tell a running beat that its schedule changed.
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[BILLING_RUN, BILLING_DUNNING, BILLING_ALERTS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0007_plan_proration_rules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
