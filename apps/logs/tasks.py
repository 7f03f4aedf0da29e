"""Celery entry points of the technical logs (beat schedules registered by logs migration 0002)."""

from datetime import UTC, datetime
from typing import Any

from celery import shared_task
from django_tenants.utils import schema_context

from .archive import archive_and_prune as archive_and_prune_run
from .buffer import buffer_flush
from .services import audit_verify_nightly


@shared_task(name="logs.flush_api_requests", ignore_result=True)
def flush_api_requests() -> int:
    """Every 10 s: move buffered API request log entries from Redis into ApiRequestLog."""
    with schema_context("public"):
        return buffer_flush()


@shared_task(name="logs.archive_and_prune", time_limit=900, soft_time_limit=840)
def archive_and_prune(before: str | None = None) -> dict[str, Any]:
    """Daily (03:00 UTC): archive technical logs past retention, delete them, maintain partitions."""
    when = None
    if before:
        when = datetime.fromisoformat(before)
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
    with schema_context("public"):
        report = archive_and_prune_run(before=when)
    return {"files": report.files, "rows": report.rows, "skipped": report.skipped,
            "dropped_partitions": report.dropped_partitions}  # fmt: skip


@shared_task(name="logs.audit_verify")
def audit_verify() -> dict[str, int]:
    """Daily (04:00 UTC): verify every audit chain; a broken chain raises an operational alert."""
    with schema_context("public"):
        return audit_verify_nightly()
