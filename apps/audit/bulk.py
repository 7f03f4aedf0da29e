"""Bulk writes for batch jobs (the billing run): audit events in bulk (`audit_record_many`, defined
with `audit_record` in apps.audit.services and re-exported here) and history rows written set-based.
"""

from typing import Any

from django.db import connection, models
from django.utils import timezone

from apps.core.correlation import get_correlation_id

from .services import PendingAuditEvent, audit_record_many

__all__ = ["PendingAuditEvent", "audit_record_many", "history_snapshot"]


def history_snapshot(
    model: type[models.Model], pks: list[Any], *, history_type: str = "~", acting_user: Any = None, reason: str = ""
) -> int:
    """Write the simple-history row of each of `pks` as it is now in the database: ONE `INSERT ...
    SELECT` (what `bulk_update_with_history` does with a Python object per row). `history_type` is
    "+" after the rows were created, "~" after they were changed."""
    if not pks:
        return 0
    historical = model.history.model  # type: ignore[attr-defined]
    tracked = [field.column for field in historical.tracked_fields]
    columns = ", ".join(connection.ops.quote_name(column) for column in tracked)
    user_id = acting_user.pk if getattr(acting_user, "pk", None) else None
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {historical._meta.db_table} ({columns}, history_date, history_change_reason, history_type, "
            f"history_user_id, correlation_id) SELECT {columns}, %s, %s, %s, %s, %s FROM {model._meta.db_table} "
            f"WHERE {connection.ops.quote_name(model._meta.pk.column)} = ANY(%s)",
            [timezone.now(), reason or None, history_type, user_id, get_correlation_id(), list(pks)],
        )
        return cursor.rowcount
