"""The billing run: renew every live subscription whose current period has ended.

Idempotent per subscription period and safe to interrupt:

1. One query lists the due subscriptions; they are then renewed a batch at a time
   (apps.billing.batch), each batch in one transaction under `SELECT ... FOR UPDATE SKIP LOCKED` (a
   row another worker holds is skipped, a row already renewed no longer matches): scheduled changes
   applied, a cancelling subscription ended, otherwise the next period's invoice issued (key
   `sub:<id>:period:<start>`, so never twice) with its first payment attempt due now, and the period
   advanced. A crash rolls the batch back; a batch that raises is redone one subscription at a time
   (`subscription_renew`, the reference path), so one broken subscription cannot block the others.
2. Open invoices whose attempt is due (new period invoices never attempted, and retries) are then
   charged, each in its own transaction (apps.billing.dunning.dunning_run): an invoice issued before
   a crash is charged by the rerun (or the hourly dunning task), and never twice.

With `workers` > 1 the same loop runs in that many processes, each starting at a different point
of the list (they meet, and skip each other's rows, near the end).
"""

from __future__ import annotations

import logging
import multiprocessing
from datetime import datetime
from typing import Any

from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.metrics import observe_job

from . import batch, dunning, invoices, services
from .models import ChangeStatus, Subscription, SubscriptionStatus
from .money import period_end_for
from .payments import default_payment_method

logger = logging.getLogger(__name__)

# Suspended subscriptions are not renewed until they are paid (dunning reactivates them).
RENEWABLE = [SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE]
MAX_PERIODS_PER_RUN = 36  # catch-up bound for a subscription many periods behind


def _due(now: datetime) -> Q:
    """The period has ended, or the trial has (a trial may end before its first period does)."""
    return Q(status__in=RENEWABLE) & (
        Q(current_period_end__lte=now) | Q(status=SubscriptionStatus.TRIALING, trial_end__lte=now)
    )


def subscriptions_due(*, now: datetime) -> list[int]:
    return list(
        Subscription.objects.filter(_due(now)).order_by("current_period_end", "pk").values_list("pk", flat=True)
    )


def _end(subscription: Subscription, now: datetime) -> str:
    dunning.subscription_status_set(subscription=subscription, to=SubscriptionStatus.ENDED, now=now,
                                    reason="Cancelled at period end")  # fmt: skip
    return "ended"


def _end_trial(subscription: Subscription, now: datetime) -> None:
    """A trial ends into active; the first invoice's payment then keeps it active or makes it past_due
    ("payment required" when there is no payment method)."""
    if default_payment_method(subscription.tenant) is None:
        dunning.subscription_status_set(subscription=subscription, to=SubscriptionStatus.PAST_DUE, now=now,
                                        reason="Trial ended: payment required")  # fmt: skip
    else:
        dunning.subscription_status_set(subscription=subscription, to=SubscriptionStatus.ACTIVE, now=now,
                                        reason="Trial ended")  # fmt: skip


def subscription_renew(*, subscription: Subscription, now: datetime) -> str:
    """Renew one locked, due subscription by one period. Returns what happened."""
    if subscription.changes.filter(status=ChangeStatus.SCHEDULED, effective_at__lte=now).exists():
        services.scheduled_changes_apply(subscription, now)
    if subscription.cancel_at_period_end or subscription.status == SubscriptionStatus.CANCELLED:
        return _end(subscription, now)
    start = subscription.current_period_end
    if subscription.status == SubscriptionStatus.TRIALING:
        if subscription.trial_end and subscription.trial_end < start:
            start = subscription.trial_end  # the first paid period starts when the trial ends
        _end_trial(subscription, now)
    end = period_end_for(start, subscription.billing_cycle)
    subscription.current_period_start, subscription.current_period_end = start, end
    subscription.save(update_fields=["current_period_start", "current_period_end", "updated_at"])
    # Issued last: the invoice number is allocated under the series lock, held until this commits.
    # The new invoice (open, never attempted) is charged after the commit (dunning.dunning_run).
    _, created = invoices.invoice_issue_for_period(subscription=subscription, period_start=start, period_end=end,
                                                   now=now)  # fmt: skip
    return "issued" if created else "renewed"


def _renew_one(subscription_id: int, now: datetime) -> str | None:
    with transaction.atomic():
        subscription = (
            Subscription.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("tenant", "plan")
            .filter(_due(now), pk=subscription_id)
            .first()
        )
        if subscription is None:  # renewed already, or another worker holds it
            return None
        return subscription_renew(subscription=subscription, now=now)


def _renew_all(ids: list[int], now: datetime, counts: dict[str, int]) -> None:
    """Renew in batches (apps.billing.batch); a batch that fails is redone one subscription at a time."""
    for chunk in batch.chunks(ids):
        try:
            for _ in range(MAX_PERIODS_PER_RUN):  # a subscription several periods behind catches up
                outcome = batch.renew_batch(chunk, now, _due(now))
                if not outcome:
                    break
                for key, value in outcome.items():
                    counts[key] = counts.get(key, 0) + value
        except Exception:
            logger.exception("Billing run: a batch failed; renewing its subscriptions one at a time")
            _renew_each(chunk, now, counts)


def _renew_each(ids: list[int], now: datetime, counts: dict[str, int]) -> None:
    for subscription_id in ids:
        for _ in range(MAX_PERIODS_PER_RUN):
            try:
                outcome = _renew_one(subscription_id, now)
            except Exception:  # one broken subscription must not stop the run; the next run retries it
                logger.exception("Billing run: subscription %s failed", subscription_id)
                counts["errors"] += 1
                break
            if outcome is None:
                break
            counts[outcome] = counts.get(outcome, 0) + 1
            if outcome == "ended":
                break


def _worker(ids: list[int], now: datetime, part: tuple[int, int]) -> dict[str, int]:
    counts: dict[str, int] = {"errors": 0}
    offset = len(ids) * part[0] // part[1]
    _renew_all(ids[offset:] + ids[:offset], now, counts)
    charged = dunning.dunning_run(now=now, part=part)
    counts.update({f"payments_{key}": value for key, value in charged.items()})
    return counts


def _worker_process(args: tuple[list[int], datetime, tuple[int, int]]) -> dict[str, int]:
    connections.close_all()  # never share the parent's connection
    try:
        return _worker(*args)
    finally:
        connections.close_all()


def _merge(results: list[dict[str, int]]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for result in results:
        for key, value in result.items():
            merged[key] = merged.get(key, 0) + value
    return merged


def billing_run(*, now: datetime | None = None, workers: int = 1) -> dict[str, Any]:
    """Renew everything due at `now` (default: the current time); see the module docstring."""
    with observe_job("billing_run"):  # nidia_job_duration_seconds on /metrics
        return _billing_run(now=now or timezone.now(), workers=workers)


def _billing_run(*, now: datetime, workers: int) -> dict[str, Any]:
    ids = subscriptions_due(now=now)
    if workers <= 1 or len(ids) < 2:
        counts = _worker(ids, now, (0, 1))
    else:
        connections.close_all()  # children open their own connections after the fork
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            counts = _merge(pool.map(_worker_process, [(ids, now, (k, workers)) for k in range(workers)]))
    result: dict[str, Any] = {"due": len(ids), "issued": 0, "renewed": 0, "ended": 0, **counts}
    logger.info("Billing run at %s: %s", now.isoformat(), result)
    return result
