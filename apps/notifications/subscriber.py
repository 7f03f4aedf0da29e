"""The engine's ear: every domain event some `Notice` names is told to its recipients.

Registered from `NotificationsConfig.ready()` for "*" and filtered here by the declared notices (a
set lookup per published batch), so an app that declares a notice needs nothing else. Runs after
the publisher's transaction commits (apps/core/events.py); one failing tenant is logged and the
others of the batch are still told.
"""

from __future__ import annotations

import logging
from typing import Any

from apps.core.events import subscribe

from . import registry, services

logger = logging.getLogger(__name__)


@subscribe("*")
def on_event(event: str, items: list[tuple[Any, dict[str, Any]]]) -> None:
    if event not in registry.noticed_events():
        return
    for tenant, payload in items:
        try:
            services.notify(event=event, tenant=tenant, payload=payload)
        except Exception:
            logger.exception("Notifying %s failed for tenant %s.", event, getattr(tenant, "pk", None))
