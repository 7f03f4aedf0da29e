"""Demo billing (called by seed_demo): the demo tenants' subscriptions, dated relative to today.

Demo only. Nothing in the product calls this module; it exists so that the demo tenants tell the same
story whatever day `make run` happens on:

* Acme pays by card: its trial ended weeks ago, last month's invoice and this month's are paid, the
  next renewal is in the future.
* Globex is trialing: its trial ends in the future.

It works whether or not provisioning already started the tenant's subscription: the current one is
taken when there is one, created when absent, so every tenant keeps exactly one current subscription.
A subscription is only rewritten while it is *fresh* (no invoice, no change but its creation): one
that people have used (changed, invoiced, paid) is left alone, and the billing run at start
(`platform_setup`) catches it up to today like any other.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from apps.tenancy.models import Plan, Tenant

from . import payments, services
from .models import (
    LIVE_STATUSES,
    ChangeKind,
    Invoice,
    InvoiceStatus,
    Subscription,
    SubscriptionStatus,
)
from .money import period_end_for
from .run import MAX_PERIODS_PER_RUN, RENEWABLE, subscription_renew


def _current(tenant: Tenant) -> Subscription | None:
    return Subscription.objects.filter(tenant=tenant, status__in=LIVE_STATUSES).order_by("-created_at", "-pk").first()


def _fresh(subscription: Subscription) -> bool:
    """Never invoiced and never changed since it was created: safe to re-date for the demo."""
    return (
        not Invoice.objects.filter(subscription=subscription).exists()
        and not subscription.changes.exclude(kind=ChangeKind.CREATED).exists()
    )


def _due_at(subscription: Subscription) -> datetime:
    if subscription.status == SubscriptionStatus.TRIALING and subscription.trial_end:
        return min(subscription.trial_end, subscription.current_period_end)
    return subscription.current_period_end


def _backdate(subscription: Subscription, *, plan: Plan, started: datetime, quantity: int) -> None:
    """Re-date a fresh subscription as if it had been created at `started` on `plan`."""
    trialing = plan.trial_days > 0
    fields = {
        "plan": plan, "currency": plan.currency, "quantity": max(quantity, subscription.quantity),
        "status": SubscriptionStatus.TRIALING if trialing else SubscriptionStatus.ACTIVE,
        "trial_end": started + timedelta(days=plan.trial_days) if trialing else None,
        "current_period_start": started,
        "current_period_end": period_end_for(started, subscription.billing_cycle),
    }  # fmt: skip
    Subscription.objects.filter(pk=subscription.pk).update(**fields)
    subscription.changes.filter(kind=ChangeKind.CREATED).update(
        effective_at=started,
        applied_at=started,
        to_plan=plan,
        to_quantity=fields["quantity"],
        to_status=fields["status"],
    )
    subscription.refresh_from_db()
    services._tenant_sync(subscription, None)  # Tenant.plan and plan_status mirror the re-dated subscription


def _replay(subscription: Subscription, *, now: datetime) -> int:
    """Renew the subscription at each moment it fell due up to `now`, issuing and charging each invoice
    at that moment (so invoices carry their own dates, as if the billing run had run every day)."""
    renewals = 0
    for _ in range(MAX_PERIODS_PER_RUN):
        subscription.refresh_from_db()
        due_at = _due_at(subscription)
        if subscription.status not in RENEWABLE or due_at > now:
            break
        with transaction.atomic():
            locked = Subscription.objects.select_for_update(of=("self",)).select_related("tenant", "plan")
            subscription_renew(subscription=locked.get(pk=subscription.pk), now=due_at)
        for invoice in Invoice.objects.filter(subscription=subscription, status=InvoiceStatus.OPEN, payment_attempts=0):
            payments.payment_attempt(invoice=invoice, now=due_at)
        renewals += 1
    return renewals


@transaction.atomic
def demo_subscription_ensure(
    *, tenant: Tenant, plan: Plan, days_ago: int, quantity: int = 1, now: datetime | None = None
) -> tuple[Subscription, str]:
    """The tenant's one current subscription, started `days_ago` days before `now` on `plan` when it is
    fresh (created here when the tenant has none), renewed at each due date since. Demo only.

    Returns the subscription and what was done ("created", "backdated" or "kept").
    """
    now = now or timezone.now()
    started = now - timedelta(days=days_ago)
    subscription = _current(tenant)
    if subscription is None:
        subscription = services.subscription_create(
            tenant=tenant, plan=plan, billing_cycle="monthly", quantity=max(quantity, 1), acting_user=None, now=started
        )
        done = "created"
    elif _fresh(subscription):
        _backdate(subscription, plan=plan, started=started, quantity=quantity)
        done = "backdated"
    else:
        return subscription, "kept"
    _replay(subscription, now=now)
    subscription.refresh_from_db()
    return subscription, done


def demo_billing_summary(subscription: Subscription, *, now: datetime | None = None) -> str:
    """One line for the seed's output: status, trial end or next renewal, paid invoices."""
    now = now or timezone.now()
    paid = Invoice.objects.filter(subscription=subscription, status=InvoiceStatus.PAID).count()
    if subscription.status == SubscriptionStatus.TRIALING and subscription.trial_end:
        when = f"trial until {subscription.trial_end:%Y-%m-%d}"
    else:
        when = f"next renewal {subscription.current_period_end:%Y-%m-%d}"
    return f"{subscription.plan} {subscription.get_status_display().lower()}, {when}, {paid} paid invoice(s)"
