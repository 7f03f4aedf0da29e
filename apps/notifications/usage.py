"""Messages sent per tenant and day, for tenancy's daily usage (hook "usage.whatsapp_sent_by_tenant")."""

import datetime as dt
from typing import Any

from django_tenants.utils import get_public_schema_name, schema_context

from .models import Channel, NotificationUsageDaily


def sent_by_tenant(tenant_ids: list[Any], day: dt.date, channel: str) -> dict[Any, int]:
    with schema_context(get_public_schema_name()):
        rows = NotificationUsageDaily.objects.filter(tenant_id__in=tenant_ids, date=day, channel=channel)
        return dict(rows.values_list("tenant_id", "sent"))


def whatsapp_sent_by_tenant(tenant_ids: list[Any], day: dt.date) -> dict[Any, int]:
    """WhatsApp messages sent per tenant on that UTC day (one query on the public counters)."""
    return sent_by_tenant(tenant_ids, day, Channel.WHATSAPP)
