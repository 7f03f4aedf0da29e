"""Webhooks subscribe to the domain events (apps.core.events): every published event whose name is
in the catalogue becomes a WebhookEvent plus one delivery per subscribed endpoint, written after the
publishing transaction commits, and the sends are enqueued after that write commits.

Imported by WebhooksConfig.ready(), so every process registers the subscriber once.
"""

from typing import Any

from apps.core.events import subscribe

from .catalogue import TEST_EVENT, event_types
from .services import webhook_event_emit, webhook_events_emit_many


@subscribe("*")
def webhook_events_write(event: str, items: list[tuple[Any, dict[str, Any]]]) -> None:
    """One event: `webhook_event_emit`; a batch: `webhook_events_emit_many` (one query for the
    endpoints, one INSERT for the events, one for the deliveries). Events outside the catalogue, and
    the portal's own test event, are not webhooks."""
    if event == TEST_EVENT or event not in event_types():  # read now: the catalogue is the apps' contributions
        return
    if len(items) == 1:
        ((tenant, payload),) = items
        webhook_event_emit(tenant=tenant, event_type=event, payload=payload)
    else:
        webhook_events_emit_many(event_type=event, items=items)
