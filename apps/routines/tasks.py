"""Beat task of routines: `routines.generate` (every 15 minutes) writes each active routine's
occurrences ahead, in every tenant whose plan has the Tasks solution (one public query finds them).

Exactly once however often and however concurrently it runs: per batch of routines, one transaction
holding an advisory lock per routine, then unique (routine, key) and (occurrence, member) rows
(`generation.py`). A failing tenant is logged and does not stop the others; the next run catches up.
"""

import logging

from celery import shared_task
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from apps.core.tasks import sender_tenant_pk
from apps.tenancy.models import Tenant, TenantStatus

from .generation import routines_generate

logger = logging.getLogger(__name__)
SOLUTION = "tasks"


def tasks_tenants() -> list[Tenant]:
    """Active tenants whose plan includes Tasks; only the sender's own when a tenant sent the task."""
    sender = sender_tenant_pk()
    with schema_context(get_public_schema_name()):
        tenants = Tenant.objects.filter(
            Q(plan__features__solutions__contains=[SOLUTION]), status=TenantStatus.ACTIVE, is_template=False
        )
        if sender is not None:
            tenants = tenants.filter(pk=sender)
        return list(tenants.order_by("pk"))


@shared_task(name="routines.generate")
def generate() -> dict[str, int]:
    """Every 15 minutes: the next occurrences of every active routine; {schema: tasks written}."""
    done: dict[str, int] = {}
    for tenant in tasks_tenants():
        try:
            with tenant_context(tenant):
                _occurrences, tasks = routines_generate(now=timezone.now())
        except Exception:
            logger.exception("Routine generation failed in schema %s", tenant.schema_name)
            continue
        if tasks:
            done[tenant.schema_name] = tasks
    return done
