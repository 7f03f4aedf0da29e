"""Celery entry points of outbound webhooks (beat schedule registered by migration 0002)."""

from celery import shared_task
from django_tenants.utils import schema_context

from apps.core.tasks import sender_may_touch

from . import delivery
from .models import WebhookDelivery


@shared_task(name="webhooks.deliver", ignore_result=True)
def deliver(delivery_id: int, claimed: bool = False) -> str | None:
    """Make one attempt of a delivery (enqueued after an emit, a test, a replay or by retry_due)."""
    tenant_pk = WebhookDelivery.objects.filter(pk=delivery_id).values_list("tenant_id", flat=True).first()
    if not sender_may_touch(tenant_pk):
        return "not_yours"
    with schema_context("public"):
        return delivery.delivery_send(delivery_id, claimed=claimed)


@shared_task(name="webhooks.retry_due", ignore_result=True)
def retry_due() -> dict[str, int]:
    """Every minute: claim due deliveries (FOR UPDATE SKIP LOCKED, in batches) and enqueue them."""
    with schema_context("public"):
        return delivery.retry_due()
