"""Who hears about an access request's outcome (Notice recipients and links, contributions.py)."""

import uuid
from typing import Any

from apps.accounts.selectors import tenant_url


def requester(tenant: Any, payload: dict[str, Any]) -> list[uuid.UUID]:
    """The person who asked (users are keyed by UUID; the payload carries it as a string)."""
    return [uuid.UUID(payload["requester"]["id"])]


def url(tenant: Any, payload: dict[str, Any]) -> str:
    """The request's portal page on the tenant's domain (an email carries it as it is)."""
    return tenant_url(tenant, "accessrequests:detail", payload["id"])
