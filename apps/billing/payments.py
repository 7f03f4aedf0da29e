"""Charging invoices: one payment attempt at a time through the invoice's provider gateway.

Each attempt is a Payment keyed `inv:<invoice id>:attempt:<n>` (n = attempts so far + 1), so a
retried call after a crash reuses the key (the provider answers the same way) and never charges
twice; the database allows one succeeded payment per invoice. A failure schedules the next retry
from BILLING_DUNNING_RETRY_DAYS and moves the subscription into dunning (apps.billing.dunning).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.core.events import publish

from . import dunning, invoices
from .models import Invoice, InvoiceStatus, Payment, PaymentMethod, PaymentStatus, Provider, SubscriptionStatus
from .payloads import payment_failed_payload
from .providers import gateway_for

logger = logging.getLogger(__name__)

DEFAULT_RETRY_DAYS = [1, 3, 5, 7]


def retry_days() -> list[int]:
    """Days after each failed attempt before the next one; after the last, the tenant is suspended."""
    return list(getattr(settings, "BILLING_DUNNING_RETRY_DAYS", DEFAULT_RETRY_DAYS))


def next_attempt_at(*, attempts: int, now: datetime) -> datetime | None:
    """When to retry after `attempts` failed attempts; None when the retries are exhausted."""
    days = retry_days()
    return now + timedelta(days=days[attempts - 1]) if attempts <= len(days) else None


def default_payment_method(tenant: Any) -> PaymentMethod | None:
    return PaymentMethod.objects.filter(tenant=tenant, is_default=True, removed_at__isnull=True).first()


def _refuse_unpayable(invoice: Invoice) -> None:
    if invoice.status == InvoiceStatus.PAID:  # the database also allows one succeeded payment per invoice
        logger.warning("Payment refused: invoice %s is already paid", invoice)
        raise ValidationError(
            {"invoice": ValidationError("Invoice %(number)s is already paid.", code="invoice_already_paid",
                                        params={"number": invoice.number})}
        )  # fmt: skip
    if invoice.status != InvoiceStatus.OPEN:
        raise ValidationError(
            {"invoice": ValidationError("Invoice %(number)s is %(status)s; only open invoices can be paid.",
                                        code="invoice_not_open",
                                        params={"number": invoice.number or invoice.uuid, "status": invoice.status})}
        )  # fmt: skip


def invoice_lock(invoice_id: int, *, skip_locked: bool = False) -> Invoice | None:
    """The invoice locked for a payment attempt (None: another worker holds it, with skip_locked)."""
    return (
        Invoice.objects.select_for_update(of=("self",), skip_locked=skip_locked)
        .select_related("tenant", "subscription")
        .filter(pk=invoice_id)
        .first()
    )


@transaction.atomic
def payment_attempt(*, invoice: Invoice, now: datetime | None = None, acting_user: Any = None) -> Payment:
    """Charge the invoice's amount due once. Raises ValidationError for a paid or non-open invoice."""
    locked = invoice_lock(invoice.pk)
    assert locked is not None
    payment = payment_attempt_locked(invoice=locked, now=now or timezone.now(), acting_user=acting_user)
    invoice.refresh_from_db()
    return payment


def payment_attempt_locked(*, invoice: Invoice, now: datetime, acting_user: Any = None) -> Payment:
    """payment_attempt for an invoice the caller has locked (in its transaction)."""
    _refuse_unpayable(invoice)
    attempt = invoice.payment_attempts + 1
    # Attempt n and its key are committed together with payment_attempts = n: a crash before the
    # commit repeats the same key, which a provider answers with the same charge.
    key = f"inv:{invoice.pk}:attempt:{attempt}"
    method = default_payment_method(invoice.tenant)
    payment = Payment(
        tenant=invoice.tenant, invoice=invoice, payment_method=method, amount=invoice.amount_due,
        currency=invoice.currency, attempt=attempt, provider=invoice.provider, idempotency_key=key,
    )  # fmt: skip
    result = gateway_for(invoice.provider).charge(invoice=invoice, payment_method=method, idempotency_key=key)
    payment.provider_payment_id = result.provider_payment_id
    payment.status = PaymentStatus.SUCCEEDED if result.succeeded else PaymentStatus.FAILED
    payment.failure_code, payment.failure_reason = result.failure_code, result.failure_reason[:255]
    payment._history_user = acting_user if getattr(acting_user, "pk", None) else None  # type: ignore[attr-defined]
    payment.full_clean(validate_unique=False, validate_constraints=False)  # the database enforces both
    payment.save()
    invoice.payment_attempts = attempt
    if result.succeeded:
        _succeeded(invoice=invoice, payment=payment, now=now, acting_user=acting_user)
    else:
        _failed(invoice=invoice, payment=payment, now=now, acting_user=acting_user)
    return payment


def _succeeded(*, invoice: Invoice, payment: Payment, now: datetime, acting_user: Any) -> None:
    # No history row of its own: invoice_mark_paid saves (and records) the paid invoice next.
    Invoice.objects.filter(pk=invoice.pk).update(payment_attempts=invoice.payment_attempts)
    invoices.invoice_mark_paid(invoice=invoice, payment=payment, now=now)  # audited there, with the payment
    if invoice.subscription is not None and invoice.subscription.status != SubscriptionStatus.ACTIVE:
        dunning.subscription_settle(invoice=invoice, now=now, acting_user=acting_user)


def _failed(*, invoice: Invoice, payment: Payment, now: datetime, acting_user: Any) -> None:
    invoice.next_payment_attempt_at = next_attempt_at(attempts=payment.attempt, now=now)
    invoice.save(update_fields=["payment_attempts", "next_payment_attempt_at", "updated_at"])
    after = {"invoice": invoice.number, "code": payment.failure_code, "attempt": payment.attempt}
    audit_record(action="billing.payment_failed", acting_user=acting_user, tenant=invoice.tenant, target=payment,
                 after=after)  # fmt: skip
    publish("payment.failed", payment_failed_payload(invoice, payment), tenant=invoice.tenant)  # after commit
    dunning.payment_failed(invoice=invoice, payment=payment, now=now, acting_user=acting_user)


def invoice_pay_now(invoice: Invoice, acting_user: Any, *, now: datetime | None = None) -> Payment:
    """Retry an open invoice at once (staff console, tenant portal): one attempt, counted like any other."""
    return payment_attempt(invoice=invoice, now=now, acting_user=acting_user)


@transaction.atomic
def invoice_pay_offline(*, invoice: Invoice, reference: str, acting_user: Any, now: datetime | None = None) -> Payment:
    """Staff record money received outside any gateway (a bank transfer) for the invoice's amount due:
    a succeeded manual payment, the invoice paid, the subscription out of dunning (a billing
    suspension lifted). Once per invoice (idempotency key `inv:<id>:offline`)."""
    now = now or timezone.now()
    locked = invoice_lock(invoice.pk)
    assert locked is not None
    if locked.status != InvoiceStatus.UNCOLLECTIBLE:  # money for a written-off invoice is still welcome
        _refuse_unpayable(locked)
    reference = reference.strip()
    if not reference:
        raise ValidationError({"reference": ValidationError("Give the bank reference of the transfer.",
                                                            code="reference_required")})  # fmt: skip
    payment = Payment(
        tenant=locked.tenant, invoice=locked, amount=locked.amount_due, currency=locked.currency,
        status=PaymentStatus.SUCCEEDED, attempt=locked.payment_attempts + 1, provider=Provider.MANUAL,
        idempotency_key=f"inv:{locked.pk}:offline",
    )  # fmt: skip
    payment._history_user = acting_user if getattr(acting_user, "pk", None) else None  # type: ignore[attr-defined]
    payment.full_clean(validate_unique=False, validate_constraints=False)  # the database enforces both
    payment.save()
    audit_record(action="billing.invoice_paid_offline", acting_user=acting_user, tenant=locked.tenant, target=payment,
                 after={"invoice": locked.number, "amount": payment.amount, "currency": payment.currency,
                        "reference": reference[:255]})  # fmt: skip
    invoices.invoice_mark_paid(invoice=locked, payment=payment, now=now)
    dunning.subscription_settle(invoice=locked, now=now, acting_user=acting_user)
    invoice.refresh_from_db()
    return payment
