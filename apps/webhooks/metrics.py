"""The webhook delivery backlog, read when /metrics is scraped (hook `observability.metrics`).

Bounded on purpose: the due deliveries are counted through the partial index `webhooks_delivery_due`
up to BACKLOG_CAP (a scrape never counts a huge table), and the oldest due time is one index read.
"""

from collections.abc import Iterator

from django.utils import timezone
from django_tenants.utils import schema_context
from prometheus_client.core import GaugeMetricFamily

from .models import OPEN_STATUSES, WebhookDelivery

BACKLOG_CAP = 10_000


def backlog_metrics() -> Iterator[GaugeMetricFamily]:
    now = timezone.now()
    due = WebhookDelivery.objects.filter(status__in=OPEN_STATUSES, next_attempt_at__lte=now)
    with schema_context("public"):  # deliveries are one queue across tenants, in public
        count = due.order_by()[:BACKLOG_CAP].count()  # COUNT over a LIMITed subquery
        oldest = due.order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
    yield GaugeMetricFamily(
        "nidia_webhook_deliveries_due",
        f"Webhook deliveries due now and not sent yet (counted up to {BACKLOG_CAP}).",
        value=count,
    )
    yield GaugeMetricFamily(
        "nidia_webhook_delivery_oldest_due_seconds",
        "How long the oldest due webhook delivery has waited (0 when none).",
        value=(now - oldest).total_seconds() if oldest else 0.0,
    )
