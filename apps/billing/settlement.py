"""Settling an invoice from a provider's event, the same for every provider.

A provider's webhook handler finds our invoice (locked) and calls `invoice_settle_paid` or
`invoice_settle_failed` with what the provider said; these record the payment and run the same path as
a charge made here (apps.billing.payments): the invoice marked paid and the subscription out of
dunning, or the failed attempt counted and dunning moved on. Both are idempotent on the invoice's
state and on the payment's idempotency key, so an event delivered twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Q

from . import dunning, invoices
from .models import Invoice, InvoiceStatus, Payment, PaymentStatus


@dataclass(frozen=True)
class Settlement:
    """What the provider said about a payment of one invoice."""

    provider: str
    idempotency_key: str  # unique per provider event meaning, e.g. "conekta:<order id>:paid"
    amount: Decimal | None = None  # None: the invoice's amount due
    currency: str = ""
    provider_payment_id: str = ""
    failure_code: str = ""
    failure_reason: str = ""


def invoice_for_event(*, provider_invoice_id: str = "", invoice_uuid: str = "") -> Invoice | None:
    """The invoice an event names (by the provider's id or the uuid we sent in its metadata), locked."""
    match = Q(pk__in=[])
    if provider_invoice_id:
        match |= Q(provider_invoice_id=provider_invoice_id)
    if invoice_uuid:
        match |= Q(uuid=invoice_uuid)
    return Invoice.objects.select_for_update(of=("self",)).select_related("tenant").filter(match).first()


def _recorded(settlement: Settlement, status: str) -> bool:
    """This event's payment is already here (a replay, or our own charge of the same provider payment)."""
    match = Q(idempotency_key=settlement.idempotency_key)
    if settlement.provider_payment_id:
        match |= Q(provider=settlement.provider, provider_payment_id=settlement.provider_payment_id, status=status)
    return Payment.objects.filter(match).exists()


def invoice_settle_paid(*, invoice: Invoice, settlement: Settlement, now: datetime) -> str:
    """The provider collected the invoice: a succeeded payment, the invoice paid, dunning settled."""
    if invoice.status == InvoiceStatus.PAID:  # paid by our own charge already, or a second event
        return "processed"
    if _recorded(settlement, PaymentStatus.SUCCEEDED):
        return "processed"
    payment = Payment(
        tenant=invoice.tenant, invoice=invoice, amount=settlement.amount or invoice.amount_due,
        currency=(settlement.currency or invoice.currency).upper(), status=PaymentStatus.SUCCEEDED,
        attempt=invoice.payment_attempts + 1, provider=settlement.provider,
        provider_payment_id=settlement.provider_payment_id, idempotency_key=settlement.idempotency_key,
    )  # fmt: skip
    payment.full_clean(validate_constraints=False)
    payment.save()
    invoices.invoice_mark_paid(invoice=invoice, payment=payment, now=now)
    dunning.subscription_settle(invoice=invoice, now=now)
    return "processed"


def invoice_settle_failed(
    *, invoice: Invoice, settlement: Settlement, now: datetime, next_attempt_at: datetime | None
) -> str:
    """The provider could not collect: a failed attempt counted, the next one scheduled, dunning moved on."""
    if invoice.status != InvoiceStatus.OPEN:
        return "processed"
    if _recorded(settlement, PaymentStatus.FAILED):
        return "processed"  # our own charge already recorded this failure
    attempt = invoice.payment_attempts + 1
    payment = Payment(
        tenant=invoice.tenant, invoice=invoice, amount=settlement.amount or invoice.amount_due,
        currency=invoice.currency, status=PaymentStatus.FAILED, attempt=attempt, provider=settlement.provider,
        provider_payment_id=settlement.provider_payment_id, failure_code=settlement.failure_code or "payment_failed",
        failure_reason=(settlement.failure_reason or "The provider could not collect the payment.")[:255],
        idempotency_key=settlement.idempotency_key,
    )  # fmt: skip
    payment.full_clean(validate_constraints=False)
    payment.save()
    invoice.payment_attempts = attempt
    invoice.next_payment_attempt_at = next_attempt_at
    invoice.save(update_fields=["payment_attempts", "next_payment_attempt_at", "updated_at"])
    dunning.payment_failed(invoice=invoice, payment=payment, now=now)
    return "processed"
