"""Register the beat schedule of the role-assignment sweep (every minute): assignments whose
valid_from has come start, those whose valid_until has passed expire. Idempotent."""

from django.db import migrations


# Issue 12: the beat schedule this migration wrote is declared in the owning app's contributions.py and
# written by `manage.py schedules_sync` (apps/backoffice/schedules.py); the operation is kept as a no-op
# so the migration graph stays as it was.


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0005_usage_and_domain_schedules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
