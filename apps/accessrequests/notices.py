"""Who hears about an access request's outcome (Notice recipients and links, contributions.py)."""

import uuid
from typing import Any

from django.urls import reverse


def requester(tenant: Any, payload: dict[str, Any]) -> list[uuid.UUID]:
    """The person who asked (users are keyed by UUID; the payload carries it as a string)."""
    return [uuid.UUID(payload["requester"]["id"])]


def url(tenant: Any, payload: dict[str, Any]) -> str:
    return reverse("accessrequests:detail", kwargs={"pk": payload["id"]})
