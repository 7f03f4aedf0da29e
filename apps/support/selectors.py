"""Reads of the support desk. Tenant-side reads never include internal notes, and look a ticket up
only within the tenant (another tenant's number is the same 404 as a missing one)."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from .models import Ticket, TicketAttachment, TicketMessage


def tenant_tickets(tenant: Any) -> QuerySet[Ticket]:
    return Ticket.objects.filter(tenant=tenant).select_related("requester", "assignee")


def tenant_ticket_get(*, tenant: Any, number: str) -> Ticket:
    ticket = tenant_tickets(tenant).select_related("tenant").filter(number=number).first()
    if ticket is None:
        raise Http404("No such ticket.")
    return ticket


def public_messages(ticket: Ticket) -> QuerySet[TicketMessage]:
    """The thread a tenant may see: internal notes are filtered out in the query itself."""
    return (
        TicketMessage.objects.filter(ticket=ticket, is_internal=False)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=TicketAttachment.objects.order_by("id")))
    )


def staff_thread(ticket: Ticket) -> QuerySet[TicketMessage]:
    return TicketMessage.objects.filter(ticket=ticket).select_related("author").prefetch_related("attachments")


def tenant_attachment_get(*, tenant: Any, number: str, attachment_id: int) -> TicketAttachment:
    attachment = (
        TicketAttachment.objects.filter(
            pk=attachment_id, message__ticket__tenant=tenant, message__ticket__number=number, message__is_internal=False
        )
        .select_related("message")
        .first()
    )
    if attachment is None:
        raise Http404("No such attachment.")
    return attachment
