"""Who hears that a task was unblocked (`recipients(tenant, payload)` of the `task.unblocked` notice) and
the link the message opens."""

import uuid
from collections.abc import Iterable
from typing import Any

from apps.accounts.selectors import tenant_url


def unblocked_recipients(tenant: Any, payload: dict[str, Any]) -> Iterable[uuid.UUID]:
    """The assignee (or the person who claimed it) and the watchers, once each."""
    people = [payload.get("assignee"), *payload.get("watchers", [])]
    return list(dict.fromkeys(uuid.UUID(str(pk)) for pk in people if pk))


def unblocked_url(tenant: Any, payload: dict[str, Any]) -> str:
    return tenant_url(tenant, "tasks:task", payload["id"])
