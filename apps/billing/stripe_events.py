"""Stripe follows our subscriptions: every `subscription.*` domain event (created, changed, cancelled,
resumed; apps.billing.services publishes them after commit) of a subscription whose provider is
"stripe" enqueues `billing.stripe_subscription_push`, which pushes the customer and the subscription
with the official client (apps.billing.stripe_sync.subscription_push).

The push is idempotent: the row is locked, an existing Stripe subscription is updated rather than
created again, and every create carries an idempotency key derived from our ids, so a retried or
duplicated task (acks_late redelivers a task whose worker died) creates nothing twice. Network and
Stripe server errors are retried with backoff; a card or request error is not (it would fail again).

Imported by BillingConfig.ready(), so every process registers the subscriber and the task once.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import stripe
from celery import shared_task
from django_tenants.utils import schema_context

from apps.core.events import subscribe
from apps.core.tasks import sender_may_touch

from .models import Provider, Subscription
from .stripe_sync import subscription_push

logger = logging.getLogger(__name__)

RETRIED = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


def _uuids(items: list[tuple[Any, dict[str, Any]]]) -> list[uuid.UUID]:
    found = []
    for _tenant, payload in items:
        try:
            found.append(uuid.UUID(str(payload.get("id"))))
        except ValueError:
            continue
    return found


@subscribe("subscription.*")
def stripe_subscriptions_follow(event: str, items: list[tuple[Any, dict[str, Any]]]) -> None:
    """One query for the batch; one task per Stripe subscription (sent after the publisher committed)."""
    with schema_context("public"):
        ids = list(
            Subscription.objects.filter(uuid__in=_uuids(items), provider=Provider.STRIPE).values_list("uuid", flat=True)
        )
    for subscription_uuid in ids:
        stripe_subscription_push.delay(str(subscription_uuid))


@shared_task(
    name="billing.stripe_subscription_push",
    autoretry_for=RETRIED,
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=8,
)
def stripe_subscription_push(subscription_uuid: str) -> str:
    """Push one subscription (and its customer) to Stripe; returns its Stripe id ("" when skipped).
    Sent from a tenant's schema (a portal request), it acts on that tenant's subscription only."""
    tenant_pk = Subscription.objects.filter(uuid=subscription_uuid).values_list("tenant_id", flat=True).first()
    if not sender_may_touch(tenant_pk):
        return "not_yours"
    with schema_context("public"):
        subscription = Subscription.objects.filter(uuid=subscription_uuid, provider=Provider.STRIPE).first()
        if subscription is None:
            logger.info("Stripe push skipped: subscription %s is not a Stripe subscription", subscription_uuid)
            return ""
        return subscription_push(subscription).provider_subscription_id
