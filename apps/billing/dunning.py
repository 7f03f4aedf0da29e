"""Dunning: what a failed or a settled payment does to the subscription and the tenant, and the
hourly retry of invoices whose next attempt is due.

active/trialing --failed attempt--> past_due --last retry failed--> suspended (tenant suspended
through apps.tenancy.lifecycle) --invoice paid, nothing else overdue--> active (tenant reactivated
when billing suspended it). Retries follow BILLING_DUNNING_RETRY_DAYS (apps.billing.payments).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.tenancy import lifecycle
from apps.tenancy.models import Tenant

from . import alerts, services
from .models import AlertKind, Invoice, InvoiceStatus, Payment, Subscription, SubscriptionStatus
from .money import money_format

logger = logging.getLogger(__name__)

SUSPENSION_PREFIX = "Payment overdue: invoice "


def subscription_status_set(
    *, subscription: Subscription, to: str, now: datetime, acting_user: Any = None, reason: str = ""
) -> Subscription:
    """Move the subscription to `to` (recorded as a change, mirrored on Tenant.plan_status)."""
    return services.subscription_status_set(subscription=subscription, status=to, acting_user=acting_user,
                                            reason=reason)  # fmt: skip


def _locked_subscription(invoice: Invoice) -> Subscription | None:
    if invoice.subscription_id is None:
        return None
    return Subscription.objects.select_for_update(of=("self",)).select_related("tenant").get(pk=invoice.subscription_id)


def payment_failed(*, invoice: Invoice, payment: Payment, now: datetime, acting_user: Any = None) -> None:
    """After a failed attempt: past_due (or suspended when no retry is left), and the alert (which tells the tenant)."""
    subscription = _locked_subscription(invoice)
    final = invoice.next_payment_attempt_at is None
    if subscription is not None and subscription.status in (
        SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE,
    ):  # fmt: skip
        if final:
            _suspend(subscription=subscription, invoice=invoice, now=now, acting_user=acting_user)
        else:
            reason = "Payment required" if payment.failure_code == "no_payment_method" else "Payment failed"
            subscription_status_set(subscription=subscription, to=SubscriptionStatus.PAST_DUE, now=now,
                                    acting_user=acting_user, reason=f"{reason}: invoice {invoice.number}")  # fmt: skip
    next_attempt = invoice.next_payment_attempt_at
    alerts.alert_raise(
        tenant=invoice.tenant, kind=AlertKind.PAYMENT_FAILED,
        dedup_key=f"payment_failed:inv:{invoice.pk}:attempt:{payment.attempt}",
        message=f"Payment of invoice {invoice.number} failed: {payment.failure_reason or payment.failure_code}",
        detail={"invoice": invoice.number, "attempt": payment.attempt, "code": payment.failure_code},
        context={"invoice_number": invoice.number, "amount": money_format(invoice.amount_due, invoice.currency),
                 "reason": payment.failure_reason or payment.failure_code, "attempt": payment.attempt,
                 "next_attempt_at": next_attempt.isoformat() if next_attempt else None,
                 "next_attempt_at_display": f"{next_attempt.astimezone(UTC):%Y-%m-%d %H:%M}" if next_attempt else "",
                 "final": final},
    )  # fmt: skip


def _suspend(*, subscription: Subscription, invoice: Invoice, now: datetime, acting_user: Any) -> None:
    reason = f"{SUSPENSION_PREFIX}{invoice.number}"
    subscription_status_set(subscription=subscription, to=SubscriptionStatus.SUSPENDED, now=now,
                            acting_user=acting_user, reason=reason)  # fmt: skip
    tenant = subscription.tenant
    tenant.refresh_from_db()
    if tenant.status == Tenant.Status.ACTIVE:
        lifecycle.tenant_suspend(tenant=tenant, acting_user=acting_user, reason=reason)
    else:
        logger.info("Tenant %s is %s; billing suspension recorded on the subscription only", tenant, tenant.status)


def subscription_settle(*, invoice: Invoice, now: datetime, acting_user: Any = None) -> None:
    """After an invoice is paid: back to active when nothing else of the subscription is overdue."""
    subscription = _locked_subscription(invoice)
    if subscription is None or subscription.status not in (
        SubscriptionStatus.TRIALING, SubscriptionStatus.PAST_DUE, SubscriptionStatus.SUSPENDED,
    ):  # fmt: skip
        return
    if subscription.status == SubscriptionStatus.TRIALING and (subscription.trial_end or now) > now:
        return  # an invoice paid during the trial does not end it
    if Invoice.objects.filter(subscription=subscription, status=InvoiceStatus.OPEN, payment_attempts__gt=0).exists():
        return
    was_suspended = subscription.status == SubscriptionStatus.SUSPENDED
    subscription_status_set(subscription=subscription, to=SubscriptionStatus.ACTIVE, now=now, acting_user=acting_user,
                            reason=f"Invoice {invoice.number} paid")  # fmt: skip
    tenant = subscription.tenant
    tenant.refresh_from_db()
    if (
        was_suspended
        and tenant.status == Tenant.Status.SUSPENDED
        and tenant.suspension_reason.startswith(SUSPENSION_PREFIX)
    ):  # only undo billing's own suspension, never a staff one
        lifecycle.tenant_reactivate(tenant=tenant, acting_user=acting_user)


def subscriptions_settle(*, now: datetime) -> int:
    """Recover past_due/suspended subscriptions whose invoices were paid elsewhere (staff, webhook)."""
    overdue = Invoice.objects.filter(status=InvoiceStatus.OPEN, payment_attempts__gt=0)
    stuck = Subscription.objects.filter(status__in=[SubscriptionStatus.PAST_DUE, SubscriptionStatus.SUSPENDED]).exclude(
        pk__in=overdue.filter(subscription__isnull=False).values("subscription_id")
    )
    recovered = 0
    for subscription_id in stuck.values_list("pk", flat=True):
        last_paid = Invoice.objects.filter(subscription_id=subscription_id, status=InvoiceStatus.PAID).first()
        if last_paid is None:
            continue
        with transaction.atomic():
            subscription_settle(invoice=last_paid, now=now)
            recovered += 1
    return recovered


def invoices_due_for_attempt(*, now: datetime) -> list[int]:
    """Open invoices to charge now: retries whose time has come, and period or proration invoices never
    attempted (the billing run's first attempt, one a crash interrupted, or an immediate upgrade's)."""
    first = Q(
        billing_reason__in=["period", "proration"], payment_attempts=0, next_payment_attempt_at__isnull=True,
        issued_at__lte=now,
    )  # fmt: skip
    return list(
        Invoice.objects.filter(status=InvoiceStatus.OPEN)
        .filter(Q(next_payment_attempt_at__lte=now) | first)
        .filter(Q(subscription__isnull=True) | ~Q(subscription__status=SubscriptionStatus.ENDED))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def dunning_run(*, now: datetime | None = None, part: tuple[int, int] = (0, 1)) -> dict[str, int]:
    """Attempt every open invoice whose attempt is due (a batch per transaction, apps.billing.batch; an
    invoice locked by another worker is skipped; a batch that raises is redone one invoice per
    transaction, so one bad invoice cannot block the others), then recover subscriptions settled
    elsewhere. `part` (k, n): worker k of n starts k/n of the way down the list, so parallel workers
    start apart."""
    from . import batch

    now = now or timezone.now()
    counts = {"attempted": 0, "succeeded": 0, "failed": 0, "errors": 0}
    ids = invoices_due_for_attempt(now=now)
    offset = len(ids) * part[0] // part[1]
    for chunk in batch.chunks(ids[offset:] + ids[:offset]):
        try:
            for key, value in batch.charge_batch(chunk, now).items():
                counts[key] += value
        except Exception:
            logger.exception("Dunning: a batch failed; charging its invoices one at a time")
            _charge_each(chunk, now, counts)
    counts["recovered"] = subscriptions_settle(now=now)
    return counts


def _charge_each(ids: list[int], now: datetime, counts: dict[str, int]) -> None:
    from .payments import invoice_lock, payment_attempt_locked

    for invoice_id in ids:
        try:
            with transaction.atomic():
                invoice = invoice_lock(invoice_id, skip_locked=True)
                if invoice is None or invoice.status != InvoiceStatus.OPEN:
                    continue
                payment = payment_attempt_locked(invoice=invoice, now=now)
        except Exception:  # one bad invoice must not stop the others; it is retried next hour
            logger.exception("Dunning attempt of invoice %s failed", invoice_id)
            counts["errors"] += 1
            continue
        counts["attempted"] += 1
        counts["succeeded" if payment.status == "succeeded" else "failed"] += 1
