"""The approvals time-limit sweep (beat: `approvals.sweep_time_limits`, every 5 minutes).

It reads the public `ApprovalDue` index for the tenants with something due (never every tenant
schema), and works each of them in its own schema: reminders once, then escalation or the automatic
decision of steps past their time limit. Idempotent: each step is re-checked under its lock, so a
sweep killed and run again, or two sweeps at once, act once.
"""

import logging
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from apps.tenancy.models import Tenant

from .due.services import due_lock, due_set, due_tenant_ids
from .models import ApprovalStep, StepStatus
from .services import step_remind, step_time_out

logger = logging.getLogger(__name__)
BATCH = 500  # steps per tenant per kind of work and tick; the rest stays due for the next tick


def _next_due() -> Any:
    """The tenant's next moment (current schema): its earliest open due time or unsent reminder."""
    open_steps = ApprovalStep.objects.filter(status=StepStatus.OPEN)
    due = open_steps.filter(due_at__isnull=False).order_by("due_at").values_list("due_at", flat=True).first()
    remind = (
        open_steps.filter(remind_at__isnull=False, reminded_at__isnull=True)
        .order_by("remind_at").values_list("remind_at", flat=True).first()
    )  # fmt: skip
    return min((moment for moment in (due, remind) if moment), default=None)


def tenant_time_limits() -> dict[str, int]:
    """Remind and time out what is due in the current tenant schema; counts of what happened."""
    now = timezone.now()
    counts = {"reminded": 0, "escalated": 0, "approved": 0, "rejected": 0, "stuck": 0}
    remind = ApprovalStep.objects.filter(status=StepStatus.OPEN, reminded_at__isnull=True, remind_at__lte=now)
    for step in remind.order_by("remind_at")[:BATCH]:
        counts["reminded"] += int(step_remind(step=step))
    due = ApprovalStep.objects.filter(status=StepStatus.OPEN, due_at__lte=now).select_related("request")
    for step in due.order_by("due_at")[:BATCH]:
        outcome = step_time_out(step=step)
        if outcome:
            counts[outcome] += 1
    return counts


@shared_task(name="approvals.sweep_time_limits")
def sweep_time_limits() -> dict[str, dict[str, int]]:
    """Every 5 minutes: the tenants whose ApprovalDue row is due, each in its own schema; a failing
    tenant is logged and does not stop the others (its row stays due: it is tried again next tick)."""
    with schema_context(get_public_schema_name()):
        tenant_ids = due_tenant_ids(timezone.now())
        tenants = list(Tenant.objects.filter(pk__in=tenant_ids, is_template=False))
    done: dict[str, dict[str, int]] = {}
    for tenant in tenants:
        try:
            with tenant_context(tenant):
                counts = tenant_time_limits()
                with transaction.atomic():
                    if due_lock(tenant.pk) is not None:
                        due_set(tenant.pk, _next_due())
        except Exception:
            logger.exception("Approvals time-limit sweep failed in schema %s", tenant.schema_name)
            continue
        done[tenant.schema_name] = counts
    return done
