"""Billing's answers to hooks that lower layers ask (declared in apps/billing/contributions.py)."""

from typing import Any

from apps.tenancy.lifecycle import tenant_plan_change
from apps.tenancy.models import Plan, Tenant

from . import services
from .start import live_subscription_of


def plan_change(*, tenant: Tenant, plan: Plan, acting_user: Any) -> Any:
    """`tenancy.plan_change` (the staff "change plan" action): the same subscription change as the portal
    and the API (`services.change_apply`: proration by the plan's rule, SubscriptionChange history, audit;
    the tenant's plan and limits follow the subscription). A tenant without a live subscription gets a
    plain plan change."""
    subscription = live_subscription_of(tenant)
    if subscription is None:
        return tenant_plan_change(tenant=tenant, plan=plan, acting_user=acting_user)
    return services.change_apply(subscription=subscription, plan=plan, acting_user=acting_user)
