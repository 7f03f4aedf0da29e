"""The event types an endpoint may subscribe to. Emitters pass one of these to `webhook_event_emit`."""

EVENT_TYPES: dict[str, str] = {
    "tenant.activated": "The organisation became active (provisioned, or reactivated).",
    "tenant.suspended": "The organisation was suspended.",
    "invoice.issued": "An invoice was issued (numbered, open or paid at once).",
    "invoice.paid": "An invoice was paid in full.",
    "payment.failed": "A payment attempt failed.",
    "subscription.changed": "The plan, billing cycle or seats changed.",
    "ticket.created": "A support ticket was opened.",
    "ticket.replied": "A support ticket got a reply.",
    "member.joined": "A person joined the organisation.",
    "webhook.test": "A test event sent from the portal, the admin or the API.",
}

EVENT_CHOICES: list[tuple[str, str]] = [(name, name) for name in EVENT_TYPES]
TEST_EVENT = "webhook.test"
