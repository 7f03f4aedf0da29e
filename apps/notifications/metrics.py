"""The notification backlog, read when /metrics is scraped (hook `observability.metrics`).

Deliveries live in each tenant's schema, so a scrape does not count them: it reads the public
`TenantNotificationWork` marks instead (one row per tenant with work, indexed on `due_at`): how
many tenants have notification work due now (up to BACKLOG_CAP) and how long the oldest has waited.
"""

from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from apps.core.metrics import BACKLOG_CAP, backlog_gauges

from .models import TenantNotificationWork


def backlog_metrics() -> Iterator[Any]:
    yield from backlog_gauges(
        TenantNotificationWork.objects.filter(due_at__lte=timezone.now()),
        "due_at",
        names=("nidia_notification_tenants_due", "nidia_notification_oldest_due_seconds"),
        helps=(
            f"Tenants whose notification work (held, retried, digests) is due now (counted up to {BACKLOG_CAP}).",
            "How long the oldest due notification work has waited (0 when none).",
        ),
    )
