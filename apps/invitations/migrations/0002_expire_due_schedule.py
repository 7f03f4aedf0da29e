"""Register the beat schedule that sweeps expired invitations (every 15 minutes). Idempotent."""

from django.db import migrations


# Issue 12: the beat schedule this migration wrote is declared in the owning app's contributions.py and
# written by `manage.py schedules_sync` (apps/backoffice/schedules.py); the operation is kept as a no-op
# so the migration graph stays as it was.


class Migration(migrations.Migration):
    dependencies = [
        ("invitations", "0001_invitation"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
