"""The daily accrual (beat: `leave.accrue`): accruals, year-end carry-over and expiry in every tenant
whose plan has the leave solution.

The tenants are found with one query on the public schema (the plan's features), so tenants without
leave cost nothing. Each tenant runs in its own schema; every entry has an idempotency key, so the
task may run any number of times a day (or be killed and redelivered) and each (person, type, period)
is written exactly once.
"""

import logging

from celery import shared_task
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from apps.tenancy.models import Tenant, TenantStatus

from .services import leave_accrue

logger = logging.getLogger(__name__)
SOLUTION = "leave"


def tenants_with_leave() -> list[Tenant]:
    with schema_context(get_public_schema_name()):
        return list(
            Tenant.objects.filter(
                is_template=False, status=TenantStatus.ACTIVE, plan__features__solutions__contains=[SOLUTION]
            ).order_by("pk")
        )


@shared_task(name="leave.accrue")
def accrue() -> dict[str, int]:
    """Daily: write what each person's leave policy gives up to today, tenant by tenant (a failing
    tenant is logged and does not stop the others; the next run catches up)."""
    done: dict[str, int] = {}
    for tenant in tenants_with_leave():
        try:
            with tenant_context(tenant):
                done[tenant.schema_name] = leave_accrue(today=timezone.localdate())
        except Exception:
            logger.exception("Leave accrual failed in schema %s", tenant.schema_name)
    return done
