"""Register the beat schedules of billing: the billing run (daily, 01:00 UTC), dunning retries
(hourly) and billing alerts (daily, 02:00 UTC). Idempotent."""

from django.db import migrations


# Issue 12: the beat schedule this migration wrote is declared in the owning app's contributions.py and
# written by `manage.py schedules_sync` (apps/backoffice/schedules.py); the operation is kept as a no-op
# so the migration graph stays as it was.


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0007_plan_proration_rules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
