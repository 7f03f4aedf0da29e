"""A subscription from day one: every tenant gets exactly one current subscription, however it was
created (staff admin, platform API, self-service signup: all through tenancy's provisioning job, whose
"start_subscription" step calls `subscription_start`; existing databases through
`manage.py billing_subscriptions_ensure`, which `platform_setup` runs).

- On the tenant's plan; a tenant without one gets the default plan (`default_plan`:
  settings.BILLING_DEFAULT_PLAN by name, else the first active plan of the catalogue by display order
  and price), which the tenant then follows (`Tenant.plan` and its limits, through the subscription).
  A catalogue with no active plan at all starts nothing (logged): there is nothing to bill yet, and the
  ensure command starts the subscriptions once a plan exists.
- `trialing` until now + plan.trial_days when the plan has trial days; otherwise `active` with its first
  period's invoice issued and charged at once through the provider's gateway (no payment method: the
  charge fails, the subscription goes past_due and into dunning like any other).
- Idempotent: a tenant that has a current (live) subscription keeps it and nothing is written; the
  database allows one live subscription per tenant (`billing_subscription_one_live_per_tenant`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from apps.accounts.models import Membership
from apps.accounts.services import SEAT_STATUSES
from apps.tenancy.models import Plan, Tenant

from . import invoices, payments, services
from .models import LIVE_STATUSES, Subscription, SubscriptionStatus
from .providers import default_provider_name

logger = logging.getLogger(__name__)

# Tenants that should be billed: the platform's own row, the template and tenants on their way out are not.
BILLABLE_TENANT_STATUSES = [Tenant.Status.PROVISIONING, Tenant.Status.ACTIVE, Tenant.Status.SUSPENDED]


def default_plan() -> Plan | None:
    """The plan of a tenant created without one: settings.BILLING_DEFAULT_PLAN (a plan name) when it names
    an active plan, else the first active plan by display order, then monthly price."""
    active = Plan.objects.filter(is_active=True)
    name = getattr(settings, "BILLING_DEFAULT_PLAN", "") or ""
    if name and (named := active.filter(name=name).first()) is not None:
        return named
    return active.order_by("display_order", "price_monthly", "name").first()


def live_subscription_of(tenant: Tenant) -> Subscription | None:
    return Subscription.objects.filter(tenant=tenant, status__in=LIVE_STATUSES).first()


def _seats(tenant: Tenant) -> int:
    return max(1, Membership.objects.filter(tenant=tenant, status__in=SEAT_STATUSES).count())


@transaction.atomic
def subscription_start(
    *, tenant: Tenant, acting_user: Any = None, now: datetime | None = None, seats: int | None = None
) -> Subscription | None:
    """The tenant's current subscription, started now when it has none (see the module docstring).
    Returns None only when the catalogue has no active plan."""
    now = now or timezone.now()
    locked = Tenant.objects.select_for_update(of=("self",)).select_related("plan").get(pk=tenant.pk)
    if (existing := live_subscription_of(locked)) is not None:
        return existing
    plan = locked.plan if locked.plan is not None and locked.plan.is_active else default_plan()
    if plan is None:
        logger.warning("No active plan in the catalogue: %s starts without a subscription", locked)
        return None
    subscription = services.subscription_create(
        tenant=locked, plan=plan, quantity=seats if seats is not None else _seats(locked),
        acting_user=acting_user, now=now, provider=default_provider_name(),
    )  # fmt: skip
    if subscription.status == SubscriptionStatus.ACTIVE:  # no trial: the first period is invoiced and charged now
        invoice, _ = invoices.invoice_issue_for_period(
            subscription=subscription, period_start=subscription.current_period_start,
            period_end=subscription.current_period_end, now=now,
        )  # fmt: skip
        if invoice.status == invoice.Status.OPEN:
            payments.payment_attempt(invoice=invoice, now=now, acting_user=acting_user)
        subscription.refresh_from_db()
    tenant.refresh_from_db()
    return subscription


def tenants_without_subscription() -> list[tuple[str, int]]:
    """(tenant id, seats in use) of every billable tenant that has never had a subscription: one query."""
    any_subscription = Subscription.objects.filter(tenant=OuterRef("pk"))
    rows = (
        Tenant.objects.filter(is_template=False, status__in=BILLABLE_TENANT_STATUSES)
        .exclude(schema_name="public")
        .exclude(Exists(any_subscription))
        .annotate(seats=Count("memberships", filter=Q(memberships__status__in=SEAT_STATUSES)))
        .order_by("created_at", "pk")
        .values_list("pk", "seats")
    )
    return [(str(pk), seats) for pk, seats in rows]


def subscriptions_ensure(*, acting_user: Any = None, now: datetime | None = None) -> dict[str, int]:
    """Start a subscription for every billable tenant that never had one (one transaction each, so one
    refusal does not stop the others). A tenant whose subscription was cancelled or ended is left alone."""
    counts = {"started": 0, "refused": 0, "no_plan": 0}
    for tenant_id, seats in tenants_without_subscription():
        tenant = Tenant.objects.get(pk=tenant_id)
        try:
            started = subscription_start(tenant=tenant, acting_user=acting_user, now=now, seats=max(1, seats))
        except Exception:
            logger.exception("Could not start a subscription for %s", tenant)
            counts["refused"] += 1
            continue
        counts["started" if started is not None else "no_plan"] += 1
    return counts
