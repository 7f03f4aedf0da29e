"""The notification backlog, read when /metrics is scraped (hook `observability.metrics`).

Deliveries live in each tenant's schema, so a scrape does not count them: it reads the public
`TenantNotificationWork` marks instead (one row per tenant with work, indexed on `due_at`): how
many tenants have notification work due now (up to BACKLOG_CAP) and how long the oldest has waited.
"""

from collections.abc import Iterator

from django.utils import timezone
from django_tenants.utils import schema_context
from prometheus_client.core import GaugeMetricFamily

from .models import TenantNotificationWork

BACKLOG_CAP = 10_000


def backlog_metrics() -> Iterator[GaugeMetricFamily]:
    now = timezone.now()
    with schema_context("public"):
        due = TenantNotificationWork.objects.filter(due_at__lte=now)
        count = due.order_by()[:BACKLOG_CAP].count()  # COUNT over a LIMITed subquery
        oldest = due.order_by("due_at").values_list("due_at", flat=True).first()
    yield GaugeMetricFamily(
        "nidia_notification_tenants_due",
        f"Tenants whose notification work (held, retried, digests) is due now (counted up to {BACKLOG_CAP}).",
        value=count,
    )
    yield GaugeMetricFamily(
        "nidia_notification_oldest_due_seconds",
        "How long the oldest due notification work has waited (0 when none).",
        value=(now - oldest).total_seconds() if oldest else 0.0,
    )
