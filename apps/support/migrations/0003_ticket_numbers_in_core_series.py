"""Ticket numbers come from the shared allocator (apps.core.numbering, series TKT) instead of a
PostgreSQL sequence: the sequence's next value becomes the series' next number, then it is dropped."""

from django.db import migrations

SEQUENCE, KEY = "support_ticket_number_seq", "TKT"


def forwards(apps, schema_editor):
    NumberSeries = apps.get_model("core", "NumberSeries")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM {SEQUENCE}")
        (next_number,) = cursor.fetchone()
    NumberSeries.objects.update_or_create(key=KEY, defaults={"prefix": KEY, "next_number": next_number})


def backwards(apps, schema_editor):
    NumberSeries = apps.get_model("core", "NumberSeries")
    series = NumberSeries.objects.filter(key=KEY).first()
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} START 1")
        if series is not None and series.next_number > 1:
            cursor.execute("SELECT setval(%s, %s, true)", [SEQUENCE, series.next_number - 1])


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0002_number_sequence_sla_defaults_schedule"),
        ("core", "0001_number_series"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RunSQL(f"DROP SEQUENCE IF EXISTS {SEQUENCE}", migrations.RunSQL.noop),
    ]
