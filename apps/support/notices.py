"""Who is told what about support tickets (the `Notice`s in contributions.py; apps.notifications calls
them as `fn(tenant, payload)`)."""

from typing import Any
from uuid import UUID

from apps.accounts.selectors import tenant_url

from .models import Ticket


def requester_of_staff_reply(tenant: Any, payload: dict[str, Any]) -> list[UUID]:
    """ticket.replied: the ticket's requester, when support (staff) wrote the reply; a customer's own
    reply tells nobody here (the staff side is emailed by apps.support.notifications)."""
    if not payload["message"]["from_staff"]:
        return []
    requester = Ticket.objects.filter(tenant=tenant, number=payload["number"]).values_list("requester_id", flat=True)
    return [user_id for user_id in requester if user_id is not None]


def ticket_url(tenant: Any, payload: dict[str, Any]) -> str:
    """The ticket's page in the portal, on the tenant's domain."""
    return tenant_url(tenant, "support:detail", payload["number"])
