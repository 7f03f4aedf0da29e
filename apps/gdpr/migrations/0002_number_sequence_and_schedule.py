"""The request number sequence (GDPR-000001, never reused) and the daily overdue check (06:00 UTC)."""

from django.db import migrations


# Issue 12: the beat schedule this migration wrote is declared in the owning app's contributions.py and
# written by `manage.py schedules_sync` (apps/backoffice/schedules.py); the operation is kept as a no-op
# so the migration graph stays as it was.


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
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
