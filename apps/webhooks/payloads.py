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


def tenant_status_emit(tenant: Any) -> int:
    """tenant.activated / tenant.suspended for a tenant that just moved to that status; other moves send nothing."""
    event_type = TENANT_EVENTS.get(tenant.status)
    if event_type is None:
        return 0
    payload = {"id": str(tenant.pk), "slug": tenant.slug, "name": tenant.name, "status": tenant.status}
    return webhook_event_emit(tenant=tenant, event_type=event_type, payload=payload)
