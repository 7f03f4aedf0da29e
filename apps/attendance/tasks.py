"""Beat tasks of attendance. Each visits only the tenants whose plan includes the attendance solution
(one query on the public schema), works each in its own schema, and logs a failing tenant without
stopping the others. Both are idempotent: a rerun writes nothing new (hashes, one LateNotice a shift)."""

import datetime
import logging
from typing import Any

from celery import shared_task
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from apps.core.tasks import sender_tenant_pk
from apps.tenancy.models import Tenant

from .services import late_detect, overtime_generate, records_compute

logger = logging.getLogger(__name__)


def attendance_tenants() -> list[Tenant]:
    """Active tenants whose plan includes attendance (the tenant that sent the task, if one did)."""
    sender = sender_tenant_pk()
    with schema_context(get_public_schema_name()):
        tenants = Tenant.objects.filter(is_template=False, status=Tenant.Status.ACTIVE,
                                        plan__features__solutions__contains=["attendance"])  # fmt: skip
        if sender is not None:
            tenants = tenants.filter(pk=sender)
        return list(tenants)


def _each_tenant(work: Any) -> dict[str, Any]:
    done: dict[str, Any] = {}
    for tenant in attendance_tenants():
        try:
            with tenant_context(tenant):
                done[tenant.schema_name] = work()
        except Exception:
            logger.exception("Attendance task failed in schema %s", tenant.schema_name)
    return done


def _compute_recent() -> dict[str, Any]:
    today = timezone.localdate()
    counts = {}
    for day in (today - datetime.timedelta(days=1), today):
        counts[day.isoformat()] = records_compute(day)
    overtime_generate(start=today - datetime.timedelta(days=1), end=today)
    return counts


@shared_task(name="attendance.compute_records")
def compute_records() -> dict[str, Any]:
    """Every 15 minutes: yesterday's and today's records (and their weeks' overtime) per tenant."""
    return _each_tenant(_compute_recent)


@shared_task(name="attendance.detect_late")
def detect_late() -> dict[str, Any]:
    """Every 5 minutes: `attendance.late` once per shift whose grace passed with no clock-in."""
    return _each_tenant(late_detect)
