"""Beat tasks of chat, in every active tenant whose plan has Chat (one public query finds them; a failing
tenant is logged and does not stop the others):

- `chat.channels_reconcile` (every 10 minutes): team and workplace channels in step with their people;
- `chat.retention` (daily): messages older than the tenant's retention days deleted in batches, except
  under the tenant's legal hold or a channel's.
"""

import logging
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from apps.core.tasks import sender_tenant_pk
from apps.tenancy.models import Tenant, TenantStatus

from .services import retention_sweep
from .sync import channels_reconcile

logger = logging.getLogger(__name__)
SOLUTION = "chat"


def chat_tenants() -> list[Tenant]:
    """Active tenants whose plan has Chat; only the sender's own when a tenant sent the task."""
    sender = sender_tenant_pk()
    with schema_context(get_public_schema_name()):
        tenants = Tenant.objects.filter(
            Q(plan__features__solutions__contains=[SOLUTION]), status=TenantStatus.ACTIVE, is_template=False
        )
        if sender is not None:
            tenants = tenants.filter(pk=sender)
        return list(tenants.order_by("pk"))


def _each_tenant(work: Callable[[], Any], label: str) -> dict[str, Any]:
    done: dict[str, Any] = {}
    for tenant in chat_tenants():
        try:
            with tenant_context(tenant):
                result = work()
        except Exception:
            logger.exception("Chat %s failed in schema %s", label, tenant.schema_name)
            continue
        if result:
            done[tenant.schema_name] = result
    return done


def _reconcile() -> list[int] | None:
    added, removed = channels_reconcile()
    return [added, removed] if added or removed else None


@shared_task(name="chat.channels_reconcile")
def channels_reconcile_task() -> dict[str, Any]:
    """{schema: [added, removed]} where something changed."""
    return _each_tenant(_reconcile, "reconcile")


@shared_task(name="chat.retention")
def retention_task() -> dict[str, Any]:
    """{schema: messages deleted} where something was deleted."""
    return _each_tenant(lambda: retention_sweep(now=timezone.now()), "retention")
