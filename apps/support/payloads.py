"""Event payloads of support tickets (published with apps.core.events; webhooks send them as-is)."""

from typing import Any


def ticket_payload(ticket: Any) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "priority": ticket.priority,
        "status": ticket.status,
        "category": ticket.category,
        "created_at": ticket.created_at.isoformat() if ticket.created_at else None,
    }


def ticket_replied_payload(ticket: Any, message: Any) -> dict[str, Any]:
    """ticket.replied, for a public reply only (callers never publish internal notes)."""
    return ticket_payload(ticket) | {
        "message": {"id": message.pk, "from_staff": message.from_staff, "body": message.body},
    }
