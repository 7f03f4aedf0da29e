"""Emails of the support desk (sent after commit through apps.emails, one EmailDelivery each).

A tenant reply (and a new ticket) goes to the assignee, or to the support desk address when nobody is
assigned. A staff public reply reaches the requester through apps.notifications instead (the
`ticket.replied` notice in contributions.py: in-app and email, per the person's preferences).
Internal notes are never sent.
"""

from django.conf import settings

from apps.emails.services import email_send

from .models import Ticket, TicketMessage

DEFAULT_SUPPORT_ADDRESS = "support@nidia-flow.local"


def support_address() -> str:
    return getattr(settings, "SUPPORT_DESK_EMAIL", "") or DEFAULT_SUPPORT_ADDRESS


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
    if message.is_internal or message.from_staff:  # the requester hears of a staff reply through notifications
        return
    ticket = message.ticket
    context = {"ticket": ticket, "tenant_name": ticket.tenant.name, "body": message.body, "author": message.author}
    email_send(template="support_customer_reply", to=_staff_address(ticket), context=context)
