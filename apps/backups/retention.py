"""The retention registry: every kind of data, how long it is kept, and the sweep that enforces it.

TODO(issue 18 part 5): let each app declare its kinds in its own contributions.py (a `RetentionKind`
contribution in apps/core/contributions.py) instead of this central list; models are named by label here so
this app imports none of them.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.tenancy.models import Tenant

from .models import LegalHold, RetentionRun

YEAR = 365


@dataclass(frozen=True)
class RetentionKind:
    name: str
    label: str
    days: int | None  # None: not a fixed period (the tenant sets it, or kept until a manual operation)
    models: tuple[str, ...] = ()  # tenant-schema models this app's sweep deletes from (by `date_field`)
    date_field: str = "created_at"
    enforced_by: str = "backups.retention_sweep"


def retention_kinds() -> list[RetentionKind]:
    operational = settings.OPERATIONAL_RETENTION_YEARS * YEAR
    return [
        RetentionKind("audit", "Audit log and history", settings.AUDIT_RETENTION_YEARS * YEAR,
                      enforced_by="manual: partition by year, export, detach (docs/retention.md)"),
        RetentionKind("technical_logs", "Technical logs (API requests, errors, auth events, emails)",
                      settings.TECH_LOG_RETENTION_DAYS, enforced_by="logs.archive_and_prune (archived, then deleted)"),
        RetentionKind("chat", "Chat messages", None, enforced_by="chat retention as each tenant sets it, legal hold"),
        RetentionKind("attendance", "Attendance records", operational, ("attendance.AttendanceRecord",)),
        RetentionKind("timesheets", "Time entries", operational, ("timesheets.TimeEntry",)),
        RetentionKind("tasks", "Tasks", operational, ("tasks.Task",)),
        RetentionKind("leave", "Leave requests", operational, ("leave.LeaveRequest",)),
        RetentionKind("incidents", "Incidents", operational, ("incidents.Incident",)),
        RetentionKind("inspections", "Inspections", operational, ("inspections.Inspection",)),
        RetentionKind("forms", "Form submissions", operational, ("forms.Submission",)),
        RetentionKind("notifications", "Notifications", operational, ("notifications.Notification",)),
    ]  # fmt: skip


def held_tenant_ids(kind: str) -> set[str]:
    """Tenants under an active hold for this kind or for everything (one query)."""
    holds = LegalHold.objects.filter(released_at__isnull=True).filter(models.Q(kind="") | models.Q(kind=kind))
    return {str(pk) for pk in holds.values_list("tenant_id", flat=True)}


def _sweep_model(model: type[models.Model], date_field: str, cutoff: datetime, batch: int) -> int:
    """Delete in batches of `batch` rows, each in its own transaction; the ORM follows the model's cascades."""
    removed = 0
    while True:
        ids = list(model._default_manager.filter(**{f"{date_field}__lt": cutoff}).values_list("pk", flat=True)[:batch])
        if not ids:
            return removed
        with transaction.atomic():
            model._default_manager.filter(pk__in=ids).delete()
        removed += len(ids)


def retention_sweep(kind: RetentionKind, *, now: datetime | None = None, batch: int | None = None) -> RetentionRun:
    """One pass over every tenant schema not under a hold; recorded as a RetentionRun."""
    if not kind.days:
        raise ValueError(f"Retention kind {kind.name!r} has no fixed period; it is enforced by {kind.enforced_by}.")
    started = timezone.now()
    cutoff = (now or started) - timedelta(days=kind.days)
    held = held_tenant_ids(kind.name)
    run = RetentionRun.objects.create(kind=kind.name, started_at=started, cutoff=cutoff, tenants_held=len(held))
    targets = [apps.get_model(label) for label in kind.models]
    tenants = Tenant.objects.filter(is_template=False).exclude(schema_name="public").exclude(status="deleted")
    for schema in tenants.exclude(pk__in=held).values_list("schema_name", flat=True):
        with schema_context(schema):
            for model in targets:
                try:
                    run.rows_removed += _sweep_model(
                        model, kind.date_field, cutoff, batch or settings.RETENTION_BATCH_SIZE
                    )
                except Exception as exc:  # noqa: BLE001 - one schema's failure is recorded, the others still run
                    run.errors.append(f"{schema}.{model._meta.db_table}: {exc}")
    run.finished_at = timezone.now()
    run.save(update_fields=["rows_removed", "errors", "finished_at"])
    return run
