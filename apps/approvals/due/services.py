"""Keeping the per-tenant "next due" row (see models.py): services lower it, the sweep resets it."""

import datetime
from typing import Any

from django.db import connection

from .models import ApprovalDue

TABLE = f"public.{ApprovalDue._meta.db_table}"


def due_lower(tenant: Any, when: datetime.datetime | None) -> None:
    """The tenant has something due at `when`: make its row at least that early (row-locked upsert)."""
    if tenant is None or when is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (tenant_id, due_at) VALUES (%s, %s) "
            f"ON CONFLICT (tenant_id) DO UPDATE SET due_at = LEAST({TABLE}.due_at, EXCLUDED.due_at)",
            [tenant.pk, when],
        )


def due_tenant_ids(now: datetime.datetime, *, limit: int = 1000) -> list[Any]:
    """The tenants with something due by `now`, earliest first."""
    return list(
        ApprovalDue.objects.filter(due_at__lte=now).order_by("due_at").values_list("tenant_id", flat=True)[:limit]
    )


def due_lock(tenant_id: Any) -> ApprovalDue | None:
    """The tenant's row, locked until the transaction ends (the sweep then sets or deletes it)."""
    return ApprovalDue.objects.select_for_update().filter(tenant_id=tenant_id).first()


def due_set(tenant_id: Any, when: datetime.datetime | None) -> None:
    """After the sweep worked the tenant (holding the row's lock): its next moment, or no row."""
    if when is None:
        ApprovalDue.objects.filter(tenant_id=tenant_id).delete()
    else:
        ApprovalDue.objects.update_or_create(tenant_id=tenant_id, defaults={"due_at": when})
