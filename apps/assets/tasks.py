"""Beat task of maintenance: `assets.maintenance_generate`, hourly.

It visits the active tenants whose plan includes Workplaces (one public query) and, in each, makes the
work orders of time-based plans due within their lead time. Idempotent: each plan is handled under its
row lock and a work order is unique per (plan, asset, occurrence), so runs that overlap (or a rerun
after a killed worker) make nothing twice. A failing tenant is logged and does not stop the others.
"""

import logging

from celery import shared_task
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from apps.core.tasks import sender_tenant_pk
from apps.tenancy.models import Tenant, TenantStatus

from . import services
from .access import SOLUTION

logger = logging.getLogger(__name__)


def workplaces_tenants() -> list[Tenant]:
    """Active tenants whose plan includes Workplaces; only the sender's own when a tenant sent the task."""
    sender = sender_tenant_pk()
    with schema_context(get_public_schema_name()):
        tenants = Tenant.objects.filter(
            Q(plan__features__solutions__contains=[SOLUTION]), status=TenantStatus.ACTIVE, is_template=False
        )
        if sender is not None:
            tenants = tenants.filter(pk=sender)
        return list(tenants.order_by("pk"))


@shared_task(name="assets.maintenance_generate")
def maintenance_generate() -> dict[str, int]:
    made: dict[str, int] = {}
    for tenant in workplaces_tenants():
        try:
            with tenant_context(tenant):
                count = services.plans_generate(now=timezone.now())
        except Exception:
            logger.exception("Maintenance generation failed in schema %s", tenant.schema_name)
            continue
        if count:
            made[tenant.schema_name] = count
    return made
