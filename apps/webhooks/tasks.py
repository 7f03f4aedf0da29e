"""Celery entry points of outbound webhooks (beat schedule registered by migration 0002)."""

from typing import Any

from celery import shared_task
from django_tenants.utils import schema_context

from apps.core.jobs import heartbeat_job
from apps.core.tasks import sender_may_touch

from . import delivery
from .models import WebhookDelivery


@shared_task(name="webhooks.deliver", ignore_result=True)
@heartbeat_job
def deliver(delivery_id: int, claimed: bool = False) -> str | None:
    """Make one attempt of a delivery (enqueued after an emit, a test, a replay or by retry_due).
    Re-sent by apps.core.jobs when its worker died, after `deliver_requeue` made it due again (rather
    than after its 5-minute lease); receivers dedupe a second POST by the delivery id."""
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


def deliver_requeue(*, args: list[Any], kwargs: dict[str, Any], schema_name: str) -> None:
    """Hook `jobs.requeue:webhooks.deliver`: the worker sending this delivery died, so its lease on the
    row (next_attempt_at pushed ahead) ends now and the re-sent task can claim it again."""
    delivery_id = args[0] if args else kwargs.get("delivery_id")
    claimed = args[1] if len(args) > 1 else kwargs.get("claimed", False)
    if delivery_id is not None and not claimed:  # a claimed copy sends without claiming: keep the lease
        with schema_context("public"):
            delivery.delivery_lease_end(int(delivery_id))
