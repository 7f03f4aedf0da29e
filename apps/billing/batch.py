"""The billing run in batches: renew and charge many subscriptions with a handful of queries each.

The per-subscription services (apps.billing.run.subscription_renew, apps.billing.payments) are the
reference behaviour; this module does the same for the common case, a batch at a time, so a run over
ten thousand subscriptions costs a few hundred queries instead of a million:

* **Renewal** (`renew_batch`): one transaction locks up to BATCH_SIZE due subscriptions
  (`FOR UPDATE SKIP LOCKED`: another worker's rows are skipped), loads what renewal needs in one query
  each (scheduled changes, coupons, unused credits, already issued invoices, tax rules), and renews
  the plain ones together: periods advanced with one UPDATE (+ one history INSERT), invoice numbers
  allocated as ONE block under the series lock (`UPDATE ... RETURNING`, still gap-free: a rolled-back
  batch gives its block back), invoices, lines and their history inserted in bulk, one audit event per
  invoice appended per chain in bulk. Subscriptions with something special due (a scheduled change,
  a cancellation, a trial ending, unused credits) go through `subscription_renew` in the same
  transaction. The number block is allocated last, so the series lock is held only for the inserts.
* **First charge** (`charge_batch`): one transaction locks up to BATCH_SIZE open invoices whose attempt
  is due, loads the tenants' default payment methods in one query, charges each through the gateway
  (an HTTP call for Stripe, nothing for the manual gateway), inserts the payments in bulk and marks the
  paid invoices in one UPDATE (+ history, audit in bulk). A failed attempt goes through the per-invoice
  dunning path (`payments._failed`): dunning is the exception, not the rule.

If anything in a batch raises, the batch is rolled back and its items are redone one by one through
the per-item services, which isolate the broken one (logged, retried by the next run).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from apps.audit.bulk import PendingAuditEvent, audit_record_many, history_snapshot
from apps.core.events import publish_many
from apps.core.numbering import number_format, numbers_allocate

from . import invoices
from .invoices import INVOICE_SERIES, invoice_build, invoice_period_key, invoice_totals_set, period_lines, taxed_line
from .models import (
    ChangeStatus,
    CouponRedemption,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Subscription,
    SubscriptionChange,
    SubscriptionStatus,
)
from .money import period_end_for
from .payloads import invoices_items
from .providers import gateway_for
from .tax import TaxRule, tax_rule_for_country

logger = logging.getLogger(__name__)

BATCH_SIZE = 250


def chunks(ids: list[int], size: int = BATCH_SIZE) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _update_from_arrays(model: type[Any], assignments: str, columns: dict[str, tuple[str, list[Any]]]) -> None:
    """UPDATE many rows of `model` with a value per row in ONE statement: `columns` maps a name to
    (SQL array type, values), `id` included; `assignments` is the SET clause over `v.<name>`."""
    names = list(columns)
    arrays = ", ".join(f"%s::{columns[name][0]}[]" for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {model._meta.db_table} AS t SET {assignments} "
            f"FROM unnest({arrays}) AS v({', '.join(names)}) WHERE t.id = v.id",
            [columns[name][1] for name in names],
        )


def number_block_allocate(count: int, series: str = INVOICE_SERIES) -> tuple[int, str]:
    """Reserve `count` consecutive numbers of `series` (one statement; the row stays locked until the
    caller's transaction ends, like `invoice_number_allocate`). Returns (first number, prefix)."""
    return numbers_allocate(series, count)


# --- Renewal ---------------------------------------------------------------------------------------


def _special(now: datetime, ids: list[int]) -> set[int]:
    """Subscriptions of the batch whose renewal is not plain: a scheduled change is due, or unused
    credits (prorated downgrades) wait for the next invoice."""
    due_changes = Q(status=ChangeStatus.SCHEDULED, effective_at__lte=now)
    credits = Q(status=ChangeStatus.APPLIED, proration_amount__lt=0, invoice__isnull=True)
    return set(
        SubscriptionChange.objects.filter(due_changes | credits, subscription_id__in=ids).values_list(
            "subscription_id", flat=True
        )
    )


def _plain(subscription: Subscription, special: set[int]) -> bool:
    return (
        subscription.pk not in special
        and not subscription.cancel_at_period_end
        and subscription.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)
    )


def renew_batch(ids: list[int], now: datetime, due: Q) -> dict[str, int]:
    """Renew the due subscriptions among `ids` by one period, in one transaction. Returns counts
    ({"issued": n, "renewed": n, "ended": n}); an empty dict when none was due (or all were locked)."""
    from .run import subscription_renew  # the per-subscription reference path

    counts: dict[str, int] = {}
    with transaction.atomic():
        locked = list(
            Subscription.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("tenant", "plan")
            .filter(due, pk__in=ids)
            .order_by("pk")
        )
        if not locked:
            return counts
        special = _special(now, [s.pk for s in locked])
        plain = [s for s in locked if _plain(s, special)]
        plain_ids = {s.pk for s in plain}
        for subscription in locked:
            if subscription.pk not in plain_ids:
                outcome = subscription_renew(subscription=subscription, now=now)
                counts[outcome] = counts.get(outcome, 0) + 1
        if plain:
            issued = _renew_plain(plain, now)
            counts["issued"] = counts.get("issued", 0) + issued
            counts["renewed"] = counts.get("renewed", 0) + len(plain) - issued  # the invoice existed already
    return counts


def _renew_plain(subscriptions: list[Subscription], now: datetime) -> int:
    periods = {
        s.pk: (s.current_period_end, period_end_for(s.current_period_end, s.billing_cycle)) for s in subscriptions
    }
    keys = {invoice_period_key(s, periods[s.pk][0]): s for s in subscriptions}
    issued_already = set(
        Invoice.objects.filter(idempotency_key__in=list(keys)).values_list("idempotency_key", flat=True)
    )
    redemptions = {
        r.subscription_id: r
        for r in CouponRedemption.objects.filter(subscription__in=subscriptions, is_active=True).select_related(
            "coupon"
        )
    }
    taxes: dict[str, TaxRule] = {}
    for subscription in subscriptions:
        subscription.current_period_start, subscription.current_period_end = periods[subscription.pk]
        subscription.updated_at = now
    _update_from_arrays(
        Subscription, "current_period_start = v.start_at, current_period_end = v.end_at, updated_at = v.updated_at",
        {"id": ("bigint", [s.pk for s in subscriptions]),
         "start_at": ("timestamptz", [s.current_period_start for s in subscriptions]),
         "end_at": ("timestamptz", [s.current_period_end for s in subscriptions]),
         "updated_at": ("timestamptz", [now] * len(subscriptions))},
    )  # fmt: skip
    history_snapshot(Subscription, [s.pk for s in subscriptions])

    new_invoices: list[Invoice] = []
    lines_of: list[list[InvoiceLine]] = []
    due_at = now + timedelta(days=invoices._due_days())
    for key, subscription in keys.items():
        if key in issued_already:
            continue
        country = subscription.tenant.country
        if country not in taxes:
            taxes[country] = tax_rule_for_country(country)
        tax = taxes[country]
        start, end = periods[subscription.pk]
        invoice = invoice_build(subscription=subscription, key=key, reason="period", tax=tax, period_start=start,
                                period_end=end)  # fmt: skip
        lines = [
            taxed_line(line, tax, subscription.currency)
            for line in period_lines(subscription, start, end, redemptions.get(subscription.pk))
        ]
        invoice_totals_set(invoice, lines)
        invoice.status, invoice.issued_at, invoice.due_at = InvoiceStatus.OPEN, now, due_at
        if invoice.total <= 0:
            invoice.status, invoice.paid_at = InvoiceStatus.PAID, now
        new_invoices.append(invoice)
        lines_of.append(lines)
    if not new_invoices:
        return 0
    # Last, so the series lock is held only for the inserts below and the commit.
    first, prefix = number_block_allocate(len(new_invoices))
    for offset, invoice in enumerate(new_invoices):
        invoice.sequence_number = first + offset
        invoice.number = number_format(prefix, invoice.sequence_number)
        invoice.created_at = invoice.updated_at = now
    Invoice.objects.bulk_create(new_invoices)
    history_snapshot(Invoice, [invoice.pk for invoice in new_invoices], history_type="+")
    all_lines = []
    for invoice, lines in zip(new_invoices, lines_of, strict=True):
        for line in lines:
            line.invoice = invoice
        all_lines.extend(lines)
    InvoiceLine.objects.bulk_create(all_lines)
    audit_record_many([
        PendingAuditEvent(action="billing.invoice_issued", tenant=invoice.tenant, target=invoice,
                          after={"number": invoice.number, "total": invoice.total, "currency": invoice.currency,
                                 "status": invoice.status})
        for invoice in new_invoices
    ])  # fmt: skip
    # Domain events, delivered after commit (webhooks): issued for all, paid too for those paid at once.
    publish_many("invoice.issued", invoices_items(new_invoices))
    publish_many("invoice.paid", invoices_items([i for i in new_invoices if i.status == InvoiceStatus.PAID]))
    return len(new_invoices)


# --- First charge ----------------------------------------------------------------------------------


def charge_batch(ids: list[int], now: datetime) -> dict[str, int]:
    """One payment attempt for each open invoice among `ids` (one transaction; invoices another
    worker holds are skipped). Returns {"attempted", "succeeded", "failed"}."""
    from .dunning import subscription_settle
    from .payments import _failed

    counts = {"attempted": 0, "succeeded": 0, "failed": 0}
    with transaction.atomic():
        locked = list(
            Invoice.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("tenant", "subscription")
            .filter(pk__in=ids, status=InvoiceStatus.OPEN)
            .order_by("pk")
        )
        if not locked:
            return counts
        methods = {
            m.tenant_id: m
            for m in PaymentMethod.objects.filter(
                tenant_id__in={i.tenant_id for i in locked}, is_default=True, removed_at__isnull=True
            )
        }
        payments: list[Payment] = []
        for invoice in locked:
            attempt = invoice.payment_attempts + 1
            key = f"inv:{invoice.pk}:attempt:{attempt}"
            method = methods.get(invoice.tenant_id)
            result = gateway_for(invoice.provider).charge(invoice=invoice, payment_method=method, idempotency_key=key)
            payments.append(
                Payment(
                    tenant=invoice.tenant, invoice=invoice, payment_method=method, amount=invoice.amount_due,
                    currency=invoice.currency, attempt=attempt, provider=invoice.provider, idempotency_key=key,
                    provider_payment_id=result.provider_payment_id,
                    status=PaymentStatus.SUCCEEDED if result.succeeded else PaymentStatus.FAILED,
                    failure_code=result.failure_code, failure_reason=result.failure_reason[:255],
                    created_at=now, updated_at=now,
                )
            )  # fmt: skip
            invoice.payment_attempts = attempt
        Payment.objects.bulk_create(payments)
        history_snapshot(Payment, [payment.pk for payment in payments], history_type="+")
        charged = list(zip(locked, payments, strict=True))
        paid = [(invoice, payment) for invoice, payment in charged if payment.status == PaymentStatus.SUCCEEDED]
        pending_audit = []
        for invoice, payment in paid:
            before = {"status": invoice.status, "amount_paid": invoice.amount_paid, "total": invoice.total}
            invoice.amount_paid = min(invoice.amount_paid + payment.amount, invoice.total)
            if invoice.amount_paid >= invoice.total:
                invoice.status, invoice.paid_at, invoice.next_payment_attempt_at = InvoiceStatus.PAID, now, None
            invoice.updated_at = now
            after = {"status": invoice.status, "amount_paid": invoice.amount_paid, "total": invoice.total,
                     "payment": payment.pk}  # fmt: skip
            pending_audit.append(PendingAuditEvent(action="billing.invoice_paid", tenant=invoice.tenant,
                                                   target=invoice, before=before, after=after))  # fmt: skip
        if paid:
            settled = [invoice for invoice, _ in paid]
            _update_from_arrays(
                Invoice,
                "amount_paid = v.amount_paid, status = v.status, paid_at = v.paid_at, "
                "next_payment_attempt_at = v.next_at, payment_attempts = v.attempts, updated_at = v.updated_at",
                {"id": ("bigint", [i.pk for i in settled]),
                 "amount_paid": ("numeric", [i.amount_paid for i in settled]),
                 "status": ("text", [i.status for i in settled]),
                 "paid_at": ("timestamptz", [i.paid_at for i in settled]),
                 "updated_at": ("timestamptz", [now] * len(settled)),
                 "next_at": ("timestamptz", [i.next_payment_attempt_at for i in settled]),
                 "attempts": ("integer", [i.payment_attempts for i in settled])},
            )  # fmt: skip
            history_snapshot(Invoice, [i.pk for i in settled])
            audit_record_many(pending_audit)
            publish_many("invoice.paid", invoices_items([i for i in settled if i.status == InvoiceStatus.PAID]))
        for invoice, payment in charged:
            counts["attempted"] += 1
            if payment.status == PaymentStatus.SUCCEEDED:
                counts["succeeded"] += 1
                if invoice.subscription is not None and invoice.subscription.status != SubscriptionStatus.ACTIVE:
                    subscription_settle(invoice=invoice, now=now)
            else:
                counts["failed"] += 1
                _failed(invoice=invoice, payment=payment, now=now, acting_user=None)
    return counts
