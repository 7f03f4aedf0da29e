"""Who hears about a leave decision (Notice recipients and links, contributions.py)."""

import uuid
from typing import Any

from apps.accounts.selectors import tenant_url


def requester(tenant: Any, payload: dict[str, Any]) -> list[uuid.UUID]:
    """The person on leave (users are keyed by UUID; the payload carries it as a string)."""
    return [uuid.UUID(payload["user_id"])]


def url(tenant: Any, payload: dict[str, Any]) -> str:
    return tenant_url(tenant, "leave:my_requests")
