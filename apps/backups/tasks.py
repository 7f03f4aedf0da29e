"""Celery entry points of backups: the retention sweeps (beat, daily) and staff-requested exports."""

import logging

from celery import shared_task
from django.db import connection
from django_tenants.utils import get_public_schema_name

from .retention import retention_kinds, retention_sweep
from .services import tenant_export_write

logger = logging.getLogger(__name__)


@shared_task(name="backups.retention_sweep", time_limit=1800, soft_time_limit=1740)
def retention_sweep_all() -> dict[str, int]:
    """Every kind this app enforces; the others (logs, chat, audit) are enforced where their docs say."""
    return {
        kind.name: retention_sweep(kind).rows_removed
        for kind in retention_kinds()
        if kind.enforced_by == "backups.retention_sweep"
    }


@shared_task(name="backups.tenant_export_run", time_limit=1800, soft_time_limit=1740, acks_late=True)
def tenant_export_run(export_id: int) -> dict[str, int]:
    """Idempotent: a redelivered message after a finished export does nothing. Staff request exports from the
    platform: a message sent from a tenant's schema is refused (it could name any tenant's export)."""
    schema = connection.schema_name  # type: ignore[attr-defined]
    if schema != get_public_schema_name():
        logger.warning("backups.tenant_export_run refused: sent from schema %s, not the platform", schema)
        return {"export": export_id, "bytes": 0, "refused": 1}
    export = tenant_export_write(export_id=export_id)
    return {"export": export.pk, "bytes": export.size_bytes}
