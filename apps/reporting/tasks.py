"""Celery entry points of reporting: thin, idempotent.

- `reporting.schedules_due` (beat, every 5 minutes): in every active tenant whose plan has Reports, make the
  runs of the due occurrences (exactly once each) and re-send queued runs whose retry is due.
- `reporting.run_execute(schema, run_id)`: render and send one run; sent from a tenant's schema it refuses
  another tenant's (an id from one organisation never renders another's report).
"""

import logging
from typing import Any

from celery import shared_task
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from apps.core.jobs import heartbeat_job
from apps.core.tasks import sender_may_touch, sender_tenant_pk
from apps.tenancy.models import Tenant, TenantStatus

from .services import run_execute, runs_create_due, runs_requeue, runs_retry_due

logger = logging.getLogger(__name__)
SOLUTION = "reports"


def report_tenants() -> list[Tenant]:
    """Active tenants whose plan has Reports; only the sender's own when a tenant sent the task."""
    sender = sender_tenant_pk()
    with schema_context(get_public_schema_name()):
        tenants = Tenant.objects.filter(
            Q(plan__features__solutions__contains=[SOLUTION]), status=TenantStatus.ACTIVE, is_template=False
        )
        if sender is not None:
            tenants = tenants.filter(pk=sender)
        return list(tenants.order_by("pk"))


@shared_task(name="reporting.schedules_due")
def schedules_due() -> dict[str, list[int]]:
    """{schema: [runs made, runs retried]} for the tenants where something was due."""
    done: dict[str, list[int]] = {}
    now = timezone.now()
    for tenant in report_tenants():
        try:
            with tenant_context(tenant):
                made, retried = runs_create_due(now=now), runs_retry_due(now=now)
        except Exception:
            logger.exception("Scheduled reports failed in schema %s", tenant.schema_name)
            continue
        if made or retried:
            done[tenant.schema_name] = [len(made), len(retried)]
    return done


@shared_task(name="reporting.run_execute", time_limit=900, soft_time_limit=840)
@heartbeat_job
def run_execute_task(schema: str, run_id: int) -> dict[str, Any]:
    """Render and send one run. Re-sent by apps.core.jobs when its worker died: `run_execute_requeue`
    first puts the run back to queued, and the claim (queued -> running) lets one copy through."""
    with schema_context(get_public_schema_name()):
        tenant = Tenant.objects.filter(schema_name=schema, is_template=False).first()
    if tenant is None or not sender_may_touch(tenant.pk):
        logger.warning("reporting.run_execute for %s refused: unknown schema or sent from another tenant", schema)
        return {"run": run_id, "status": "refused"}
    with tenant_context(tenant):
        run = run_execute(run_id=int(run_id))
    return {"run": run_id, "status": run.status if run is not None else "skipped"}


def run_execute_requeue(*, args: list[Any], kwargs: dict[str, Any], schema_name: str) -> None:
    """Hook `jobs.requeue:reporting.run_execute`: the worker running this run died (its lease went
    stale), so the run it left `running` is queued again for the re-sent task to claim."""
    schema = args[0] if args else kwargs.get("schema")
    run_id = args[1] if len(args) > 1 else kwargs.get("run_id")
    with schema_context(get_public_schema_name()):
        tenant = Tenant.objects.filter(schema_name=schema, is_template=False).first()
    if tenant is None or run_id is None:
        return
    with tenant_context(tenant):
        runs_requeue(run_ids=[int(run_id)])
