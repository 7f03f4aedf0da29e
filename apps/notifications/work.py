"""Public-schema bookkeeping of the engine: when each tenant next has work (so the sweep visits only
those tenants), and the messages sent per tenant, channel and day (so usage is one query).

Both are written with one upsert statement on the public tables by their qualified name, whatever
schema the connection is on (the tables also exist, unused, in tenant schemas).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from .models import NotificationUsageDaily, TenantNotificationWork


def public_table(model: Any) -> str:
    return f'"{get_public_schema_name()}"."{model._meta.db_table}"'


def mark_due(tenant: Any, due_at: dt.datetime) -> None:
    """Remember that `tenant` has work at `due_at` (keeps an earlier mark)."""
    table = public_table(TenantNotificationWork)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (tenant_id, due_at) VALUES (%s, %s) "
            f"ON CONFLICT (tenant_id) DO UPDATE SET due_at = LEAST({table}.due_at, EXCLUDED.due_at)",
            [tenant.pk, due_at],
        )


def set_due(tenant: Any, due_at: dt.datetime | None) -> None:
    """After a sweep: the tenant's next work is at `due_at` (None: nothing waits)."""
    table = public_table(TenantNotificationWork)
    with connection.cursor() as cursor:
        if due_at is None:
            cursor.execute(f"DELETE FROM {table} WHERE tenant_id = %s", [tenant.pk])
        else:
            cursor.execute(
                f"INSERT INTO {table} (tenant_id, due_at) VALUES (%s, %s) "
                f"ON CONFLICT (tenant_id) DO UPDATE SET due_at = EXCLUDED.due_at",
                [tenant.pk, due_at],
            )


def due_tenant_ids(now: dt.datetime) -> list[Any]:
    table = public_table(TenantNotificationWork)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tenant_id FROM {table} WHERE due_at <= %s ORDER BY due_at", [now])
        return [row[0] for row in cursor.fetchall()]


def count_sent(tenant: Any, sent: dict[str, int], *, day: dt.date | None = None) -> None:
    """Add `sent` ({channel: messages}) to the tenant's counters of `day` (UTC today): one statement."""
    counts = [(channel, n) for channel, n in sent.items() if n]
    if tenant is None or not counts:
        return
    day = day or timezone.now().astimezone(dt.UTC).date()
    table = public_table(NotificationUsageDaily)
    values = ", ".join(["(%s, %s, %s, %s)"] * len(counts))
    params: list[Any] = []
    for channel, n in counts:
        params += [tenant.pk, channel, day, n]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (tenant_id, channel, date, sent) VALUES {values} "
            f"ON CONFLICT (tenant_id, channel, date) DO UPDATE SET sent = {table}.sent + EXCLUDED.sent",
            params,
        )
