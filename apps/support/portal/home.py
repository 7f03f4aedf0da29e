"""The portal home block of support (PortalHomeBlock in contributions.py): the tenant's open tickets."""

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest

from apps.support.models import Ticket, TicketStatus

OPEN_STATUSES = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.WAITING_ON_CUSTOMER)


def home_context(request: HttpRequest) -> dict[str, Any]:
    """Open tickets of this tenant and those waiting on the customer (an answer is expected from the
    tenant): one aggregate query; the newest waiting ticket is linked (one more, only when there is one)."""
    tickets = Ticket.objects.filter(tenant=request.tenant, status__in=OPEN_STATUSES)  # type: ignore[attr-defined]
    counts = tickets.aggregate(open=Count("pk"), waiting=Count("pk", filter=Q(status=TicketStatus.WAITING_ON_CUSTOMER)))
    waiting = (
        tickets.filter(status=TicketStatus.WAITING_ON_CUSTOMER)
        .order_by("-updated_at")
        .only("number", "subject")
        .first()
        if counts["waiting"]
        else None
    )
    return {**counts, "first_waiting": waiting, "attention": counts["waiting"], "empty": not counts["open"]}
