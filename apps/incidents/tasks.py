"""The beat task `incidents.regulator_deadlines`: in every tenant whose plan has Workplaces, warn the
safety people once before a notifiable incident's regulator deadline and flag once each one that passed.

Tenants are found with one public query; in each, the sweep reads the partial index of notifiable,
not-yet-notified incidents. Exactly once however often (or concurrently) it runs: each warning is claimed
by an `UPDATE … WHERE regulator_warned_at IS NULL RETURNING id`, so a second run finds nothing to claim.
A failing tenant is logged and does not stop the others.
"""

import logging

from celery import shared_task
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from apps.core.tasks import sender_tenant_pk
from apps.tenancy.models import Tenant, TenantStatus

from .services import regulator_deadlines_sweep

logger = logging.getLogger(__name__)
SOLUTION = "workplaces"


def incident_tenants() -> list[Tenant]:
    """Active tenants whose plan has Workplaces; only the sender's own when a tenant sent the task."""
    sender = sender_tenant_pk()
    with schema_context(get_public_schema_name()):
        tenants = Tenant.objects.filter(
            Q(plan__features__solutions__contains=[SOLUTION]), status=TenantStatus.ACTIVE, is_template=False
        )
        if sender is not None:
            tenants = tenants.filter(pk=sender)
        return list(tenants.order_by("pk"))


@shared_task(name="incidents.regulator_deadlines")
def regulator_deadlines() -> dict[str, list[int]]:
    """Every 15 minutes: {schema: [warned, overdue]} for the tenants where something was told."""
    done: dict[str, list[int]] = {}
    for tenant in incident_tenants():
        try:
            with tenant_context(tenant):
                warned, overdue = regulator_deadlines_sweep(now=timezone.now())
        except Exception:
            logger.exception("Regulator deadlines failed in schema %s", tenant.schema_name)
            continue
        if warned or overdue:
            done[tenant.schema_name] = [warned, overdue]
    return done
