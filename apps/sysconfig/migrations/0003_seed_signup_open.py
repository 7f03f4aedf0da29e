"""Seed the `signup.open` setting (self-service signup, issue 13): open unless staff close it."""

from django.db import migrations


def seed(apps, schema_editor):
    AppSetting = apps.get_model("sysconfig", "AppSetting")
    AppSetting.objects.get_or_create(
        key="signup.open",
        defaults={"value_type": "boolean", "value": True, "category": "authentication", "is_public": True,
                  "description": "Anyone may sign up at /signup/ and create an organisation; off, the page says "
                                 "signup is closed."},
    )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("sysconfig", "0002_seed_defaults")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
