"""One number allocator for every numbered document: invoices and credit notes, support tickets,
GDPR requests ("INV-000123", "TKT-000042", "GDPR-000001").

A series is a `NumberSeries` row; allocating is one `UPDATE … RETURNING`, which locks that row until
the caller's transaction ends. So numbers are gap-free (invoices must be, by law), a rolled-back
transaction gives its numbers back, and concurrent writers of one series queue on the row for the
rest of their transaction: allocate as late in the transaction as you can.
"""

from django.db import connection

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
