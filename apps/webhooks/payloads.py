"""Event payloads of other apps' records, and the one-line emit calls those apps make.

Each call runs inside the caller's transaction: the event and deliveries are written with the
change and sent after commit (a rolled-back change sends nothing).
"""

from typing import Any

from .services import webhook_event_emit, webhook_events_emit_many

TENANT_EVENTS = {"active": "tenant.activated", "suspended": "tenant.suspended"}


def invoice_payload(invoice: Any) -> dict[str, Any]:
    return {
        "id": str(invoice.uuid),
        "number": invoice.number,
        "status": invoice.status,
        "currency": invoice.currency,
        "total": str(invoice.total),
        "amount_paid": str(invoice.amount_paid),
        "issued_at": invoice.issued_at.isoformat() if invoice.issued_at else None,
        "due_at": invoice.due_at.isoformat() if invoice.due_at else None,
        "paid_at": invoice.paid_at.isoformat() if invoice.paid_at else None,
    }


def invoice_issued_emit(invoice: Any) -> int:
    """invoice.issued, and invoice.paid too when it was paid at once (an invoice of nothing)."""
    sent = webhook_event_emit(tenant=invoice.tenant, event_type="invoice.issued", payload=invoice_payload(invoice))
    if invoice.status == "paid":
        sent += invoice_paid_emit(invoice)
    return sent


def invoice_paid_emit(invoice: Any) -> int:
    return webhook_event_emit(tenant=invoice.tenant, event_type="invoice.paid", payload=invoice_payload(invoice))


def invoices_issued_emit(invoices: list[Any]) -> int:
    """invoice.issued for many invoices at once (the billing run's batches); invoice.paid for those paid at once."""
    sent = webhook_events_emit_many(
        event_type="invoice.issued", items=[(invoice.tenant, invoice_payload(invoice)) for invoice in invoices]
    )
    return sent + invoices_paid_emit([invoice for invoice in invoices if invoice.status == "paid"])


def invoices_paid_emit(invoices: list[Any]) -> int:
    if not invoices:
        return 0
    return webhook_events_emit_many(
        event_type="invoice.paid", items=[(invoice.tenant, invoice_payload(invoice)) for invoice in invoices]
    )


def payment_failed_emit(invoice: Any, payment: Any) -> int:
    payload = {
        "id": str(payment.uuid) if getattr(payment, "uuid", None) else str(payment.pk),
        "invoice": invoice_payload(invoice),
        "attempt": payment.attempt,
        "amount": str(payment.amount),
        "currency": payment.currency,
        "failure_code": payment.failure_code,
        "failure_reason": payment.failure_reason,
        "next_attempt_at": invoice.next_payment_attempt_at.isoformat() if invoice.next_payment_attempt_at else None,
    }
    return webhook_event_emit(tenant=invoice.tenant, event_type="payment.failed", payload=payload)


def subscription_changed_emit(subscription: Any, change: Any) -> int:
    """subscription.changed when a plan, cycle or seat change takes effect (now, or at the renewal)."""
    payload = {
        "id": str(subscription.uuid),
        "change": change.pk,
        "kind": change.kind,
        "plan": {"from": str(change.from_plan) if change.from_plan_id else None, "to": str(change.to_plan)},
        "billing_cycle": {"from": change.from_cycle, "to": change.to_cycle},
        "quantity": {"from": change.from_quantity, "to": change.to_quantity},
        "effective_at": change.effective_at.isoformat() if change.effective_at else None,
        "status": subscription.status,
    }
    return webhook_event_emit(tenant=subscription.tenant, event_type="subscription.changed", payload=payload)


def ticket_payload(ticket: Any) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "priority": ticket.priority,
        "status": ticket.status,
        "category": ticket.category,
        "created_at": ticket.created_at.isoformat() if ticket.created_at else None,
    }


def ticket_created_emit(ticket: Any) -> int:
    return webhook_event_emit(tenant=ticket.tenant, event_type="ticket.created", payload=ticket_payload(ticket))


def ticket_replied_emit(ticket: Any, message: Any) -> int:
    """ticket.replied for a public reply (internal notes never leave the platform)."""
    if message.is_internal:
        return 0
    payload = ticket_payload(ticket) | {
        "message": {"id": message.pk, "from_staff": message.from_staff, "body": message.body},
    }
    return webhook_event_emit(tenant=ticket.tenant, event_type="ticket.replied", payload=payload)


def member_joined_emit(membership: Any) -> int:
    payload = {
        "user": str(membership.user.code),
        "email": membership.user.email,
        "role": membership.role,
        "joined_via": membership.joined_via,
    }
    return webhook_event_emit(tenant=membership.tenant, event_type="member.joined", payload=payload)


def tenant_status_emit(tenant: Any) -> int:
    """tenant.activated / tenant.suspended for a tenant that just moved to that status; other moves send nothing."""
    event_type = TENANT_EVENTS.get(tenant.status)
    if event_type is None:
        return 0
    payload = {"id": str(tenant.pk), "slug": tenant.slug, "name": tenant.name, "status": tenant.status}
    return webhook_event_emit(tenant=tenant, event_type=event_type, payload=payload)
