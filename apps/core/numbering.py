"""One number allocator for every numbered document: invoices and credit notes, support tickets,
GDPR requests ("INV-000123", "TKT-000042", "GDPR-000001").

A series is a `NumberSeries` row; allocating is one `UPDATE … RETURNING`, which locks that row until
the caller's transaction ends. So numbers are gap-free (invoices must be, by law), a rolled-back
transaction gives its numbers back, and concurrent writers of one series queue on the row for the
rest of their transaction: allocate as late in the transaction as you can.
"""

from typing import Any

from django.db import connection, migrations

from .models import NumberSeries

WIDTH = 6


def number_format(prefix: str, number: int) -> str:
    return f"{prefix}-{number:0{WIDTH}d}"


def numbers_allocate(key: str, count: int) -> tuple[int, str]:
    """Reserve `count` consecutive numbers of series `key` (created on first use, its prefix = key).
    Returns (first number, prefix)."""
    if count < 1:
        raise ValueError("Allocate at least one number.")
    sql = (
        f"UPDATE {NumberSeries._meta.db_table} SET next_number = next_number + %s WHERE key = %s "
        "RETURNING next_number - %s, prefix"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [count, key, count])
        row = cursor.fetchone()
        if row is None:
            NumberSeries.objects.bulk_create([NumberSeries(key=key, prefix=key)], ignore_conflicts=True)
            cursor.execute(sql, [count, key, count])
            row = cursor.fetchone()
    return int(row[0]), row[1]


def number_allocate(key: str) -> tuple[int, str]:
    """The next (number, formatted number) of series `key`, e.g. (123, "INV-000123")."""
    number, prefix = numbers_allocate(key, 1)
    return number, number_format(prefix, number)


def sequence_into_series(sequence: str, key: str) -> list[migrations.operations.base.Operation]:
    """Migration operations that move a PostgreSQL sequence's counter into series `key` (its next
    value becomes the series' next number, so numbering continues) and then drop the sequence."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM {sequence}")
            (next_number,) = cursor.fetchone()
        series = apps.get_model("core", "NumberSeries")
        series.objects.update_or_create(key=key, defaults={"prefix": key, "next_number": next_number})

    def backwards(apps: Any, schema_editor: Any) -> None:
        series = apps.get_model("core", "NumberSeries").objects.filter(key=key).first()
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence} START 1")
            if series is not None and series.next_number > 1:
                cursor.execute("SELECT setval(%s, %s, true)", [sequence, series.next_number - 1])

    return [
        migrations.RunPython(forwards, backwards),
        migrations.RunSQL(f"DROP SEQUENCE IF EXISTS {sequence}", migrations.RunSQL.noop),
    ]
