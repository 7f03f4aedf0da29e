"""The webhook delivery backlog, read when /metrics is scraped (hook `observability.metrics`).

Bounded on purpose: the due deliveries are counted through the partial index `webhooks_delivery_due`
up to BACKLOG_CAP (a scrape never counts a huge table), and the oldest due time is one index read.
"""

from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from apps.core.metrics import BACKLOG_CAP, backlog_gauges

from .models import OPEN_STATUSES, WebhookDelivery


def backlog_metrics() -> Iterator[Any]:
    # Deliveries are one queue across tenants, in public, counted through the partial index webhooks_delivery_due.
    yield from backlog_gauges(
        WebhookDelivery.objects.filter(status__in=OPEN_STATUSES, next_attempt_at__lte=timezone.now()),
        "next_attempt_at",
        names=("nidia_webhook_deliveries_due", "nidia_webhook_delivery_oldest_due_seconds"),
        helps=(
            f"Webhook deliveries due now and not sent yet (counted up to {BACKLOG_CAP}).",
            "How long the oldest due webhook delivery has waited (0 when none).",
        ),
    )
