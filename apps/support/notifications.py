"""Emails of the support desk (sent after commit through apps.emails, one EmailDelivery each).

A staff public reply goes to the requester; a tenant reply (and a new ticket) goes to the assignee,
or to the support desk address when nobody is assigned. Internal notes are never emailed.
"""

from django.conf import settings

from apps.core.links import site_base_url
from apps.emails.services import email_send

from .models import Ticket, TicketMessage

DEFAULT_SUPPORT_ADDRESS = "support@nidia-flow.local"


def support_address() -> str:
    return getattr(settings, "SUPPORT_DESK_EMAIL", "") or DEFAULT_SUPPORT_ADDRESS


def _portal_url(ticket: Ticket) -> str:
    domain = ticket.tenant.domains.filter(is_primary=True).values_list("domain", flat=True).first() or ""
    return f"{site_base_url(domain)}/manage/support/{ticket.number}/"


def _staff_address(ticket: Ticket) -> str:
    return ticket.assignee.email if ticket.assignee_id and ticket.assignee else support_address()


def ticket_opened_notify(*, ticket_id: int) -> None:
    ticket = Ticket.objects.select_related("tenant", "requester", "assignee").get(pk=ticket_id)
    context = {"ticket": ticket, "tenant_name": ticket.tenant.name, "body": ticket.description, "to_staff": True}
    email_send(template="support_ticket_opened", to=_staff_address(ticket), context=context)


def reply_notify(*, message_id: int) -> None:
    message = TicketMessage.objects.select_related(
        "ticket__tenant", "ticket__requester", "ticket__assignee", "author"
    ).get(pk=message_id)
    if message.is_internal:
        return
    ticket = message.ticket
    context = {"ticket": ticket, "tenant_name": ticket.tenant.name, "body": message.body, "author": message.author}
    if message.from_staff:
        if ticket.requester is None or not ticket.requester.email:
            return
        context["portal_url"] = _portal_url(ticket)
        email_send(template="support_reply", to=ticket.requester.email, context=context, tenant=ticket.tenant)
    else:
        email_send(template="support_customer_reply", to=_staff_address(ticket), context=context)
