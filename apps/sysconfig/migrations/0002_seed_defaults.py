"""Seed one row per known setting (value = the current Django setting / environment value, so
behaviour does not change) and the per-country validation rules from fixtures/reference/."""

import json
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import migrations


def seed(apps, schema_editor):
    from apps.sysconfig.defaults import SPECS

    AppSetting = apps.get_model("sysconfig", "AppSetting")
    for spec in SPECS.values():
        value = spec.fallback()
        if spec.value_type == "integer":
            value = int(value)
        elif spec.value_type == "decimal":
            value = str(Decimal(str(value)))
        AppSetting.objects.get_or_create(
            key=spec.key,
            defaults={"value_type": spec.value_type, "value": value, "category": spec.category,
                      "description": spec.description, "min_value": spec.min_value, "max_value": spec.max_value,
                      "is_public": spec.is_public, "choices": spec.choices},
        )  # fmt: skip
    ValidationRule = apps.get_model("sysconfig", "ValidationRule")
    path = Path(settings.BASE_DIR, "fixtures", "reference", "validation_rules.json")
    for row in json.loads(path.read_text(encoding="utf-8")):
        keys = {name: row[name] for name in ("country_code", "kind", "name")}
        fields = ("provider", "pattern", "message", "example")
        ValidationRule.objects.get_or_create(**keys, defaults={name: row.get(name, "") for name in fields})


class Migration(migrations.Migration):
    dependencies = [("sysconfig", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
