"""Trial lifecycle: the "your trial ends soon" email, three days before the trial ends.

The daily task (`billing.trial_notices`, declared in contributions.py) finds, in one query, the trialing
subscriptions whose trial ends within TRIAL_NOTICE_DAYS and that were not told yet; each is locked,
marked `trial_end_notified_at` and told (a billing alert of kind `trial_ending`, keyed by the
subscription and its trial end, so a duplicate delivery or a rerun sends nothing). A trial that is
extended (a new trial_end) is announced again. At the trial end the billing run renews the
subscription like any other (apps.billing.run): the first invoice is issued and charged; without a
payment method the charge fails, the subscription goes past_due and dunning takes over.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .alerts import alert_raise
from .models import AlertKind, Subscription, SubscriptionStatus
from .money import money_format
from .portal.selectors import renewal_amount

TRIAL_NOTICE_DAYS = 3
PERIOD_NAME = {"monthly": "month", "quarterly": "quarter", "annual": "year"}


def trial_notices_due(*, now: datetime) -> list[int]:
    """Trialing subscriptions whose trial ends within the notice window and were not told about this trial end."""
    window = Q(status=SubscriptionStatus.TRIALING, trial_end__gt=now,
               trial_end__lte=now + timedelta(days=TRIAL_NOTICE_DAYS))  # fmt: skip
    # Not told yet, or told about an earlier trial end (the trial was extended since).
    untold = Q(trial_end_notified_at__isnull=True) | Q(
        trial_end_notified_at__lt=F("trial_end") - timedelta(days=TRIAL_NOTICE_DAYS + 1)
    )
    return list(Subscription.objects.filter(window & untold).order_by("trial_end", "pk").values_list("pk", flat=True))


def _notify(subscription_id: int, now: datetime) -> bool:
    with transaction.atomic():
        subscription = (
            Subscription.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("tenant", "plan")
            .filter(pk=subscription_id, status=SubscriptionStatus.TRIALING)
            .first()
        )
        if subscription is None or subscription.trial_end is None:
            return False
        trial_end = subscription.trial_end.astimezone(UTC)
        notified = subscription.trial_end_notified_at
        if notified is not None and notified >= trial_end - timedelta(days=TRIAL_NOTICE_DAYS + 1):
            return False  # told already about this trial end
        amount = money_format(renewal_amount(subscription), subscription.currency)
        message = (f"The trial of {subscription.tenant.name} on the {subscription.plan} plan ends on "
                   f"{trial_end:%d %b %Y %H:%M} UTC. The subscription then renews at {amount} per "
                   f"{PERIOD_NAME[subscription.billing_cycle]} before tax.")  # fmt: skip
        alert_raise(
            tenant=subscription.tenant, kind=AlertKind.TRIAL_ENDING,
            dedup_key=f"trial_ending:sub:{subscription.pk}:{trial_end.isoformat()}", message=message,
            detail={"subscription": str(subscription.uuid), "trial_end": trial_end.isoformat()},
            context={"plan": str(subscription.plan), "trial_end": trial_end.isoformat(),
                     "trial_end_date": f"{trial_end.day} {trial_end:%b %Y}",
                     "trial_end_display": f"{trial_end:%Y-%m-%d %H:%M}", "amount": amount,
                     "has_payment_method": subscription.tenant.payment_methods.filter(
                         is_default=True, removed_at__isnull=True).exists()},
        )  # fmt: skip
        Subscription.objects.filter(pk=subscription.pk).update(trial_end_notified_at=now, updated_at=now)
    return True


def trial_notices_send(*, now: datetime | None = None) -> dict[str, int]:
    """Email every trial that ends within TRIAL_NOTICE_DAYS, once per trial end. Idempotent."""
    now = now or timezone.now()
    sent = sum(_notify(subscription_id, now) for subscription_id in trial_notices_due(now=now))
    return {"trial_ending": sent}
