"""Event payloads of billing's records (published with apps.core.events; webhooks send them as-is)."""

from typing import Any


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


def invoices_items(invoices: list[Any]) -> list[tuple[Any, dict[str, Any]]]:
    """(tenant, payload) pairs for `publish_many`."""
    return [(invoice.tenant, invoice_payload(invoice)) for invoice in invoices]


def payment_failed_payload(invoice: Any, payment: Any) -> dict[str, Any]:
    return {
        "id": str(payment.uuid) if getattr(payment, "uuid", None) else str(payment.pk),
        "invoice": invoice_payload(invoice),
        "attempt": payment.attempt,
        "amount": str(payment.amount),
        "currency": payment.currency,
        "failure_code": payment.failure_code,
        "failure_reason": payment.failure_reason,
        "next_attempt_at": invoice.next_payment_attempt_at.isoformat() if invoice.next_payment_attempt_at else None,
    }


def subscription_changed_payload(subscription: Any, change: Any) -> dict[str, Any]:
    """subscription.changed: a plan, cycle or seat change took effect (now, or at the renewal)."""
    return {
        "id": str(subscription.uuid),
        "change": change.pk,
        "kind": change.kind,
        "plan": {"from": str(change.from_plan) if change.from_plan_id else None, "to": str(change.to_plan)},
        "billing_cycle": {"from": change.from_cycle, "to": change.to_cycle},
        "quantity": {"from": change.from_quantity, "to": change.to_quantity},
        "effective_at": change.effective_at.isoformat() if change.effective_at else None,
        "status": subscription.status,
    }


def subscription_payload(subscription: Any) -> dict[str, Any]:
    """subscription.created / .cancelled / .resumed: a tenant's subscription as it is now."""
    return {
        "id": str(subscription.uuid),
        "plan": subscription.plan.name,
        "billing_cycle": subscription.billing_cycle,
        "quantity": subscription.quantity,
        "currency": subscription.currency,
        "status": subscription.status,
        "provider": subscription.provider,
        "trial_end": subscription.trial_end.isoformat() if subscription.trial_end else None,
        "current_period_start": subscription.current_period_start.isoformat(),
        "current_period_end": subscription.current_period_end.isoformat(),
        "cancel_at_period_end": subscription.cancel_at_period_end,
    }


def billing_alert_payload(alert: Any, context: dict[str, Any]) -> dict[str, Any]:
    """billing.<kind> (usage_near_limit, card_expiring, trial_ending, payment_failed): what the notice
    tells; `event_id` is the alert's dedup key, so a message is sent once per alert whatever the retries."""
    return {
        "event_id": f"billing_alert:{alert.dedup_key}",
        "id": alert.pk,
        "kind": alert.kind,
        "message": alert.message,
        "tenant_name": alert.tenant.name,
        **context,
    }
