"""Beat task of inspections: `inspections.generate` makes due inspections 14 days ahead.

It visits only the active tenants whose plan includes Workplaces (one public query). Exactly once per
(schedule, occurrence) however often and however concurrently it runs: each schedule is generated under
a transaction-level advisory lock, above a unique constraint. A failing tenant is logged and does not
stop the others.
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
    sender = sender_tenant_pk()
    with schema_context(get_public_schema_name()):
        tenants = Tenant.objects.filter(
            Q(plan__features__solutions__contains=[SOLUTION]), status=TenantStatus.ACTIVE, is_template=False
        )
        if sender is not None:
            tenants = tenants.filter(pk=sender)
        return list(tenants.order_by("pk"))


@shared_task(name="inspections.generate")
def generate() -> dict[str, int]:
    """Hourly: each schedule's due inspections for the next 14 days."""
    done: dict[str, int] = {}
    for tenant in workplaces_tenants():
        try:
            with tenant_context(tenant):
                created = services.inspections_generate(now=timezone.now())
        except Exception:
            logger.exception("Inspection generation failed in schema %s", tenant.schema_name)
            continue
        if created:
            done[tenant.schema_name] = created
    return done
