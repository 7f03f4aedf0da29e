"""`gdpr.request_due_days` was seeded but never read: a GDPR request's deadline is one calendar month
(GDPR art. 12(3)), set by GDPR_REQUEST_DUE_MONTHS (apps/gdpr/models.py). A setting that staff could
change without effect is removed."""

from django.db import migrations


def drop(apps, schema_editor):
    apps.get_model("sysconfig", "AppSetting").objects.filter(key="gdpr.request_due_days").delete()


class Migration(migrations.Migration):
    dependencies = [("sysconfig", "0003_seed_signup_open")]

    operations = [migrations.RunPython(drop, migrations.RunPython.noop)]
