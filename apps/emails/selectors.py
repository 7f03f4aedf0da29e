"""Reads of email deliveries that other apps ask for through hooks (apps.core.hooks)."""

import datetime as dt
from typing import Any

from django.db.models import Count

from .models import EmailDelivery


def emails_sent_by_tenant(tenant_ids: list[Any], day: dt.date) -> dict[Any, int]:
    """Emails sent per tenant on that UTC day (hook "usage.emails_sent_by_tenant": tenancy's daily usage)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    rows = (
        EmailDelivery.objects.filter(
            tenant_id__in=tenant_ids,
            status=EmailDelivery.Status.SENT,
            sent_at__gte=start,
            sent_at__lt=start + dt.timedelta(days=1),
        )
        .values("tenant_id")
        .annotate(n=Count("id"))
    )
    return {row["tenant_id"]: row["n"] for row in rows}
