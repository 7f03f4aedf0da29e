"""Invoices: issue (one per subscription period, idempotent), number, pay, void, refund, render.

Numbers are allocated when an invoice leaves draft, from `apps.core.numbering` under a row lock in the
same transaction: a rolled-back issue gives its number back, so a series has no gaps and no number
is used twice. A void or a refund never renumbers: it issues a credit note (series CN).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone

from apps.audit import writes
from apps.audit.services import audit_record
from apps.core.events import publish
from apps.core.numbering import number_allocate

from .coupons import coupon_discount, coupon_redemption_active, coupon_redemption_consume
from .models import (
    ChangeStatus,
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    Payment,
    PaymentStatus,
    Subscription,
    SubscriptionChange,
)
from .money import ZERO, money_format, money_round, plan_price
from .payloads import invoice_payload
from .proration import PreviewLine
from .tax import TaxRule, line_amounts, tax_rule_for_country

INVOICE_SERIES, CREDIT_NOTE_SERIES = "INV", "CN"
INVOICE_AUDITED = writes.Fields("status", "amount_paid", "total")


def _due_days() -> int:
    return int(getattr(settings, "BILLING_INVOICE_DUE_DAYS", 7))


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


@transaction.atomic
def invoice_number_allocate(series: str = INVOICE_SERIES) -> tuple[int, str]:
    """The next (sequence_number, number) of `series`, e.g. (123, "INV-000123"); locks the series row
    until the caller's transaction ends."""
    return number_allocate(series)


def invoice_period_key(subscription: Subscription, period_start: datetime) -> str:
    return f"sub:{subscription.pk}:period:{period_start.astimezone(UTC).isoformat()}"


@dataclass(frozen=True)
class TaxedLine:
    kind: str
    description: str
    price: Decimal  # net when the tax is exclusive, gross when inclusive
    quantity: Decimal = Decimal("1")
    unit_amount: Decimal = ZERO
    period_start: datetime | None = None
    period_end: datetime | None = None


def invoice_build(*, subscription: Subscription, key: str, reason: str, tax: TaxRule, **fields: Any) -> Invoice:
    """A draft invoice of the subscription (not saved), billed to the tenant's current details."""
    tenant = subscription.tenant
    return Invoice(
        tenant=tenant, subscription=subscription, currency=subscription.currency, billing_reason=reason,
        idempotency_key=key, tax_name=tax.name, tax_rate=tax.rate, tax_inclusive=tax.inclusive,
        tax_number_label=tax.number_label, billing_email=tenant.billing_email, billing_name=tenant.name,
        billing_country=tenant.country, provider=subscription.provider, **fields,
    )  # fmt: skip


def _invoice_new(*, subscription: Subscription, key: str, reason: str, tax: TaxRule, **fields: Any) -> Invoice:
    invoice = invoice_build(subscription=subscription, key=key, reason=reason, tax=tax, **fields)
    invoice.full_clean()
    invoice.save()
    return invoice


def invoice_totals_set(invoice: Invoice, lines: list[InvoiceLine]) -> None:
    """Number the lines and set the invoice's totals from them (nothing is saved)."""
    for position, line in enumerate(lines, start=1):
        line.invoice, line.position = invoice, position
    invoice.subtotal = sum((line.amount for line in lines if line.kind != LineKind.DISCOUNT), ZERO)
    invoice.discount_total = -sum((line.amount for line in lines if line.kind == LineKind.DISCOUNT), ZERO)
    invoice.tax_total = sum((line.tax_amount for line in lines), ZERO)
    invoice.total = sum((line.total for line in lines), ZERO)


def _lines_save(invoice: Invoice, lines: list[InvoiceLine]) -> None:
    invoice_totals_set(invoice, lines)
    InvoiceLine.objects.bulk_create(lines)


def taxed_line(line: TaxedLine, tax: TaxRule, currency: str) -> InvoiceLine:
    amounts = line_amounts(line.price, tax, currency)
    return InvoiceLine(kind=line.kind, description=line.description, quantity=line.quantity,
                       unit_amount=line.unit_amount, amount=amounts.amount, tax_amount=amounts.tax_amount,
                       total=amounts.total, period_start=line.period_start, period_end=line.period_end)  # fmt: skip


def _from_preview(line: PreviewLine) -> InvoiceLine:
    return InvoiceLine(kind=line.kind, description=line.description, quantity=line.quantity,
                       unit_amount=line.unit_amount, amount=line.amount, tax_amount=line.tax_amount,
                       total=line.total, period_start=line.period_start, period_end=line.period_end)  # fmt: skip


def invoice_finalise(invoice: Invoice, *, now: datetime) -> Invoice:
    """draft → open with its number, issue and due dates; an invoice of nothing is paid at once."""
    invoice.sequence_number, invoice.number = invoice_number_allocate(invoice.series)
    invoice.status, invoice.issued_at = InvoiceStatus.OPEN, now
    invoice.due_at = now + timedelta(days=_due_days())
    if invoice.total <= 0:
        invoice.status, invoice.paid_at = InvoiceStatus.PAID, now
    invoice.save()  # validated when it was created as a draft; the database checks the numbering
    audit_record(action="billing.invoice_issued", tenant=invoice.tenant, target=invoice,
                 after={"number": invoice.number, "total": invoice.total, "currency": invoice.currency,
                        "status": invoice.status})  # fmt: skip
    publish("invoice.issued", invoice_payload(invoice), tenant=invoice.tenant)  # delivered after commit
    if invoice.status == InvoiceStatus.PAID:  # an invoice of nothing is paid at once
        publish("invoice.paid", invoice_payload(invoice), tenant=invoice.tenant)
    return invoice


_ACTIVE_REDEMPTION = object()  # "look the subscription's active coupon redemption up"


def period_lines(
    subscription: Subscription, period_start: datetime, period_end: datetime, redemption: Any = _ACTIVE_REDEMPTION
) -> list[TaxedLine]:
    """The plan line and the coupon's discount line of one period (the redemption is consumed);
    a batch passes the redemption it loaded (or None) instead of one query per subscription."""
    unit = plan_price(subscription.plan, subscription.billing_cycle)
    price = money_round(unit * subscription.quantity, subscription.currency)
    lines = [TaxedLine(kind=LineKind.PLAN, price=price, quantity=Decimal(subscription.quantity), unit_amount=unit,
                       description=f"{subscription.plan} ({subscription.get_billing_cycle_display().lower()}), "
                       f"{subscription.quantity} seat(s), {period_start:%d %b %Y} to {period_end:%d %b %Y}",
                       period_start=period_start, period_end=period_end)]  # fmt: skip
    if redemption is _ACTIVE_REDEMPTION:
        redemption = coupon_redemption_active(subscription)
    if redemption is not None:
        discount = coupon_discount(redemption.coupon, price, subscription.currency)
        if discount > 0:
            description = f"Discount {redemption.coupon.code} ({redemption.coupon.name})"
            lines.append(TaxedLine(kind=LineKind.DISCOUNT, price=-discount, description=description))
        coupon_redemption_consume(redemption)
    return lines


def _credit_lines(
    subscription: Subscription, lines: list[TaxedLine], tax: TaxRule
) -> tuple[list[TaxedLine], list[int]]:
    """Credits of prorated downgrades not yet used, up to what the invoice charges (never below zero)."""
    available = sum((line.price for line in lines), ZERO)
    gross = Decimal(1) + tax.rate if tax.inclusive else Decimal(1)
    credits, used = [], []
    pending = subscription.changes.filter(status=ChangeStatus.APPLIED, proration_amount__lt=0, invoice__isnull=True)
    for change in pending.order_by("pk"):
        price = max(money_round(change.proration_amount * gross, subscription.currency), -available)
        if price == 0:
            break
        available += price
        description = f"Credit for unused time ({change.get_kind_display().lower()})"
        credits.append(TaxedLine(kind=LineKind.CREDIT, price=price, description=description))
        used.append(change.pk)
    return credits, used


@transaction.atomic
def invoice_issue_for_period(
    *, subscription: Subscription, period_start: datetime, period_end: datetime, now: datetime | None = None
) -> tuple[Invoice, bool]:
    """The invoice of one subscription period: (invoice, created). Issuing twice returns the first."""
    key = invoice_period_key(subscription, period_start)
    if existing := Invoice.objects.filter(idempotency_key=key).first():
        return existing, False
    # Concurrent issuers of one subscription queue on its row; the second then finds the invoice.
    subscription = (
        Subscription.objects.select_for_update(of=("self",)).select_related("plan", "tenant").get(pk=subscription.pk)
    )
    if existing := Invoice.objects.filter(idempotency_key=key).first():
        return existing, False
    now = now or timezone.now()
    tax = tax_rule_for_country(subscription.tenant.country)
    invoice = _invoice_new(subscription=subscription, key=key, reason="period", tax=tax,
                           period_start=period_start, period_end=period_end)  # fmt: skip
    lines = period_lines(subscription, period_start, period_end)
    credits, credited_changes = _credit_lines(subscription, lines, tax)
    _lines_save(invoice, [taxed_line(line, tax, subscription.currency) for line in lines + credits])
    SubscriptionChange.objects.filter(pk__in=credited_changes).update(invoice=invoice)
    return invoice_finalise(invoice, now=now), True


@transaction.atomic
def invoice_issue_for_change(
    *, subscription: Subscription, change_id: int, lines: list[PreviewLine], now: datetime
) -> Invoice:
    """The proration invoice of an applied change (idempotency key `change:<id>`)."""
    tax = tax_rule_for_country(subscription.tenant.country)
    invoice = _invoice_new(subscription=subscription, key=f"change:{change_id}", reason="proration", tax=tax,
                           period_start=now, period_end=subscription.current_period_end)  # fmt: skip
    _lines_save(invoice, [_from_preview(line) for line in lines])
    return invoice_finalise(invoice, now=now)


@transaction.atomic
def invoice_mark_paid(*, invoice: Invoice, payment: Payment, now: datetime | None = None) -> Invoice:
    """Record a succeeded payment on the invoice; an invoice already paid is returned unchanged."""
    locked = writes.locked(invoice, "tenant")
    if locked.status == InvoiceStatus.PAID:
        return locked
    if locked.status not in (InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE):
        raise _error("invoice", f"Invoice {locked} is {locked.get_status_display().lower()}; it cannot be paid.",
                     "invoice_not_payable")  # fmt: skip
    if payment.currency != locked.currency:
        raise _error("currency", f"The payment is in {payment.currency}; the invoice in {locked.currency}.",
                     "currency_mismatch")  # fmt: skip
    before = writes.snapshot(locked, INVOICE_AUDITED)
    locked.amount_paid = min(locked.amount_paid + payment.amount, locked.total)
    if locked.amount_paid >= locked.total:
        locked.status, locked.paid_at, locked.next_payment_attempt_at = InvoiceStatus.PAID, now or timezone.now(), None
    locked.save()
    audit_record(action="billing.invoice_paid", tenant=locked.tenant, target=locked, before=before,
                 after=writes.snapshot(locked, INVOICE_AUDITED) | {"payment": payment.pk})  # fmt: skip
    if locked.status == InvoiceStatus.PAID:
        publish("invoice.paid", invoice_payload(locked), tenant=locked.tenant)  # delivered after commit
    invoice.refresh_from_db()
    return locked


def _credit_note(
    *, invoice: Invoice, gross: Decimal, reason: str, acting_user: Any, payment: Payment | None
) -> CreditNote:
    tax = money_round(gross * invoice.tax_total / invoice.total, invoice.currency) if invoice.total else ZERO
    sequence_number, number = invoice_number_allocate(CREDIT_NOTE_SERIES)
    note = CreditNote(invoice=invoice, series=CREDIT_NOTE_SERIES, sequence_number=sequence_number, number=number,
                      reason=reason, amount=gross - tax, tax_amount=tax, currency=invoice.currency,
                      refund_payment=payment, acting_user=writes.history_user(acting_user))  # fmt: skip
    note._history_user = note.acting_user  # type: ignore[attr-defined]
    note.full_clean()
    note.save()
    return note


def _reason_required(reason: str) -> str:
    if not (reason or "").strip():
        raise _error("reason", "Give a reason; it is printed on the credit note.", "required")
    return reason.strip()[:255]


@transaction.atomic
def invoice_void(*, invoice: Invoice, acting_user: Any, reason: str) -> CreditNote:
    """Void an unpaid (open or uncollectible) invoice: its number stays used, a credit note cancels it."""
    reason = _reason_required(reason)
    locked = writes.locked(invoice, "tenant")
    if locked.status not in (InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE):
        raise _error("invoice", f"Invoice {locked} is {locked.get_status_display().lower()}; only an unpaid issued "
                     "invoice can be voided (refund a paid one).", "invoice_not_voidable")  # fmt: skip
    before = writes.snapshot(locked, INVOICE_AUDITED)
    locked.status, locked.voided_at, locked.next_payment_attempt_at = InvoiceStatus.VOID, timezone.now(), None
    locked._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    locked.save()
    note = _credit_note(invoice=locked, gross=locked.total, reason=reason, acting_user=acting_user, payment=None)
    audit_record(action="billing.invoice_voided", acting_user=acting_user, tenant=locked.tenant, target=locked,
                 before=before, after=writes.snapshot(locked, INVOICE_AUDITED)
                 | {"credit_note": note.number, "reason": reason})  # fmt: skip
    invoice.refresh_from_db()
    return note


def invoice_refundable(invoice: Invoice) -> Decimal:
    credited = invoice.credit_notes.aggregate(total=Sum("amount"), tax=Sum("tax_amount"))
    return invoice.amount_paid - (credited["total"] or ZERO) - (credited["tax"] or ZERO)


@transaction.atomic
def invoice_refund(*, invoice: Invoice, amount: Decimal, acting_user: Any, reason: str) -> CreditNote:
    """Refund part or all of a paid invoice (gross, tax included): a credit note for that amount."""
    reason = _reason_required(reason)
    amount = Decimal(amount)
    if amount < 0:
        raise _error("amount", "The refund amount cannot be negative.", "amount_negative")
    locked = writes.locked(invoice, "tenant")
    if amount == 0 or amount != money_round(amount, locked.currency):
        example = money_format(Decimal(10), locked.currency)
        raise _error("amount", f"Give a positive amount in {locked.currency}'s smallest unit, e.g. {example}.",
                     "amount_invalid")  # fmt: skip
    if locked.status != InvoiceStatus.PAID:
        raise _error("invoice", f"Invoice {locked} is not paid; void it instead.", "invoice_not_paid")
    refundable = invoice_refundable(locked)
    if amount > refundable:
        raise _error("amount", f"At most {refundable} {locked.currency} can still be refunded.", "refund_exceeds_paid")
    payment = locked.payments.filter(status=PaymentStatus.SUCCEEDED).first()
    note = _credit_note(invoice=locked, gross=amount, reason=reason, acting_user=acting_user, payment=payment)
    if payment is not None and amount == refundable:
        payment.status = PaymentStatus.REFUNDED
        payment.save(update_fields=["status", "updated_at"])
    audit_record(action="billing.invoice_refunded", acting_user=acting_user, tenant=locked.tenant, target=locked,
                 after={"credit_note": note.number, "amount": amount, "reason": reason})  # fmt: skip
    return note


@transaction.atomic
def invoice_mark_uncollectible(*, invoice: Invoice, acting_user: Any = None, reason: str = "") -> Invoice:
    locked = writes.locked(invoice, "tenant")
    if locked.status != InvoiceStatus.OPEN:
        raise _error("invoice", f"Invoice {locked} is {locked.get_status_display().lower()}, not open.",
                     "invoice_not_open")  # fmt: skip
    before = writes.snapshot(locked, INVOICE_AUDITED)
    locked.status, locked.next_payment_attempt_at = InvoiceStatus.UNCOLLECTIBLE, None
    locked.save()
    audit_record(action="billing.invoice_uncollectible", acting_user=acting_user, tenant=locked.tenant,
                 target=locked, before=before,
                 after=writes.snapshot(locked, INVOICE_AUDITED) | {"reason": reason})  # fmt: skip
    invoice.refresh_from_db()
    return locked


def invoice_render_html(invoice: Invoice) -> str:
    """The printable invoice page (print to PDF from the browser)."""
    lines = list(invoice.lines.all())
    return render_to_string("billing/invoice.html", {"invoice": invoice, "lines": lines,
                                                     "credit_notes": list(invoice.credit_notes.all())})  # fmt: skip
