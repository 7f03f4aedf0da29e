"""Messages sent per tenant and day, for tenancy's daily usage (hook "usage.whatsapp_sent_by_tenant")."""

import datetime as dt
from typing import Any

from django.db import connection

from . import work
from .models import Channel, NotificationUsageDaily


def sent_by_tenant(tenant_ids: list[Any], day: dt.date, channel: str) -> dict[Any, int]:
    """One query on the public counters (by qualified name: whatever schema the connection is on)."""
    if not tenant_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tenant_id, sent FROM {work.public_table(NotificationUsageDaily)} "
            "WHERE tenant_id = ANY(%s) AND date = %s AND channel = %s",
            [list(tenant_ids), day, channel],
        )
        return dict(cursor.fetchall())


def whatsapp_sent_by_tenant(tenant_ids: list[Any], day: dt.date) -> dict[Any, int]:
    """WhatsApp messages sent per tenant on that UTC day."""
    return sent_by_tenant(tenant_ids, day, Channel.WHATSAPP)
