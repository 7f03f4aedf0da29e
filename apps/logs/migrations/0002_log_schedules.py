"""Register the beat schedules of the technical logs: flush the API request buffer (every 10 s),
archive and prune past retention (daily, 03:00 UTC), verify the audit chains (daily, 04:00 UTC).
Idempotent."""

from django.db import migrations


# Issue 12: the beat schedule this migration wrote is declared in the owning app's contributions.py and
# written by `manage.py schedules_sync` (apps/backoffice/schedules.py); the operation is kept as a no-op
# so the migration graph stays as it was.


class Migration(migrations.Migration):
    dependencies = [
        ("logs", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
