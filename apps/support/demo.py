"""Demo data of the support desk: one open acme ticket with a staff reply and an internal note.

The demo ticket is known by its own key, not by its subject (which staff and the tenant may edit, and
anyone may reuse): it is written under the correlation id DEMO_KEY, so the ticket, its messages and
their audit events carry it (and the timeline groups them).
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from apps.accounts.staff_roles import SUPPORT
from apps.core.correlation import reset_correlation_id, set_correlation_id
from apps.tenancy.models import Tenant

from .models import Ticket
from .services import ticket_assign, ticket_note_add, ticket_open, ticket_reply
from .sla import sla_policies_seed

DEMO_SUBJECT = "Exports to CSV time out"
DEMO_KEY = "demo-support-ticket"


def _say(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def demo_seed(*, stdout: Any = None) -> None:
    """Idempotent: does nothing when the demo ticket already exists."""
    sla_policies_seed()
    tenant = Tenant.objects.filter(slug="acme").first()
    if tenant is None:
        _say(stdout, "support: no acme tenant, skipped")
        return
    if Ticket.objects.filter(tenant=tenant, correlation_id=DEMO_KEY).exists():
        return
    legacy = Ticket.objects.filter(tenant=tenant, subject=DEMO_SUBJECT).order_by("pk").first()
    if legacy is not None:  # seeded before the key existed: adopt it
        Ticket.objects.filter(pk=legacy.pk).update(correlation_id=DEMO_KEY)
        return
    token = set_correlation_id(DEMO_KEY)
    try:
        _ticket_seed(tenant, stdout)
    finally:
        reset_correlation_id(token)


def _ticket_seed(tenant: Tenant, stdout: Any) -> None:
    users = get_user_model().objects
    requester = users.filter(memberships__tenant=tenant, memberships__role="tenant_admin").first()
    agent = (
        users.filter(Q(groups__name=SUPPORT) | Q(is_superuser=True), is_staff=True, is_active=True)
        .order_by("is_superuser", "pk")
        .first()
    )
    ticket = ticket_open(
        tenant=tenant,
        subject=DEMO_SUBJECT,
        priority="high",
        category="technical",
        description="Exporting the people directory to CSV spins for a minute, then fails.",
        acting_user=requester,
        requester=requester,
    )
    if agent is not None:
        ticket_assign(ticket=ticket, assignee=agent, acting_user=agent)
        ticket_reply(
            ticket=ticket,
            body="Thanks for the report. We are reproducing it and will update you today.",
            acting_user=agent,
            from_staff=True,
        )
        ticket_note_add(
            ticket=ticket,
            body="Internal: export query has no index on organisation_member; engineering ticket ENG-42.",
            acting_user=agent,
        )
    _say(stdout, f"support: demo ticket {ticket.number}")
