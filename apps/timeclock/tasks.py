"""Beat tasks of the time clock: `timeclock.auto_clock_out` and `timeclock.detect_missing_punches`.

They visit only the tenants whose plan includes Attendance (one public query), and in each one the
selectors look at the last week's punches only (an index range), so a tenant with nothing open costs
one small query. A failing tenant is logged and does not stop the others. Both are idempotent: an auto
"out" has a deterministic client id and is written under the person's lock after re-checking that the
session is still open; a missing punch is a unique row.
"""

import logging
from collections.abc import Callable

from celery import shared_task
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from apps.core.tasks import sender_tenant_pk
from apps.tenancy.models import Tenant, TenantStatus

from . import services

logger = logging.getLogger(__name__)
SOLUTION = "attendance"


def attendance_tenants() -> list[Tenant]:
    """Active tenants whose plan includes Attendance; only the sender's own when a tenant sent the task."""
    sender = sender_tenant_pk()
    with schema_context(get_public_schema_name()):
        tenants = Tenant.objects.filter(
            Q(plan__features__solutions__contains=[SOLUTION]), status=TenantStatus.ACTIVE, is_template=False
        )
        if sender is not None:
            tenants = tenants.filter(pk=sender)
        return list(tenants.order_by("pk"))


def each_tenant(work: Callable[[], int]) -> dict[str, int]:
    done: dict[str, int] = {}
    for tenant in attendance_tenants():
        try:
            with tenant_context(tenant):
                count = work()
        except Exception:
            logger.exception("Time clock task failed in schema %s", tenant.schema_name)
            continue
        if count:
            done[tenant.schema_name] = count
    return done


@shared_task(name="timeclock.auto_clock_out")
def auto_clock_out() -> dict[str, int]:
    """Every 10 minutes: close sessions left open past the policy's limits (flagged for review)."""
    return each_tenant(lambda: len(services.auto_clock_out(now=timezone.now())))


@shared_task(name="timeclock.detect_missing_punches")
def detect_missing_punches() -> dict[str, int]:
    """Every 15 minutes: shifts that ended with no clock-in or no clock-out, recorded and told once."""
    return each_tenant(lambda: len(services.missing_punches_detect(now=timezone.now())))
