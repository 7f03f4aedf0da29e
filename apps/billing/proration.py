"""What a subscription change costs now, and when it takes effect (docs/billing.md "Proration").

The direction compares the recurring amount of one period (price of the cycle x seats) before and
after: dearer is an upgrade, cheaper a downgrade. The target plan's rule for that direction decides:
immediate_prorated (credit the unused part of the old price, charge the remaining part of the new
one, each its own rounded line; a cycle change instead starts a new period now and charges it in
full), immediate_no_proration (switch now, new price from the next renewal) or at_renewal.
The fraction is remaining seconds / period seconds, a Decimal that is never rounded; each line is rounded
once, to the subscription currency's precision (JPY to the yen).
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from apps.tenancy.models import Plan, ProrationRule

from .models import BillingCycle, LineKind, Subscription, SubscriptionStatus
from .money import ZERO, period_end_for, plan_price
from .tax import TaxRule, line_amounts

UPGRADE, DOWNGRADE, NONE = "upgrade", "downgrade", "none"


@dataclass(frozen=True)
class PreviewLine:
    description: str
    amount: Decimal  # net
    tax_amount: Decimal
    total: Decimal
    kind: str = LineKind.PRORATION
    quantity: Decimal = Decimal("1")
    unit_amount: Decimal = ZERO
    period_start: datetime | None = None
    period_end: datetime | None = None


@dataclass(frozen=True)
class ChangePreview:
    rule: str
    direction: str
    effective_at: datetime
    immediate: bool
    lines: list[PreviewLine]
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    currency: str
    next_period_amount: Decimal  # the renewal charge after the change (plan line with tax, before coupons)
    plan: Plan | None = None
    billing_cycle: str = ""
    quantity: int = 0
    period_start: datetime | None = None  # the period after an immediate change
    period_end: datetime | None = None
    notes: list[str] = field(default_factory=list)


def period_fraction_remaining(start: datetime, end: datetime, now: datetime) -> Decimal:
    """Remaining seconds / total seconds of the period, clamped to 0…1 and not rounded."""
    total = Decimal((end - start).total_seconds())
    remaining = Decimal((end - max(now, start)).total_seconds())
    if total <= 0 or remaining <= 0:
        return Decimal("0")
    return min(remaining / total, Decimal("1"))


def change_direction(old_amount: Decimal, new_amount: Decimal) -> str:
    if new_amount > old_amount:
        return UPGRADE
    return DOWNGRADE if new_amount < old_amount else NONE


def change_rule(*, subscription: Subscription, plan: Plan, direction: str) -> str:
    if subscription.status == SubscriptionStatus.TRIALING or direction == NONE:
        return ProrationRule.IMMEDIATE_NO_PRORATION  # nothing is charged during a trial or at equal price
    return plan.proration_upgrade if direction == UPGRADE else plan.proration_downgrade


def _label(plan: Plan, cycle: str, quantity: int) -> str:
    return f"{quantity} x {plan} ({BillingCycle(cycle).label.lower()})"


def _line(description: str, price: Decimal, tax: TaxRule, currency: str, **extra: object) -> PreviewLine:
    amounts = line_amounts(price, tax, currency)
    return PreviewLine(description=description, amount=amounts.amount, tax_amount=amounts.tax_amount,
                       total=amounts.total, **extra)  # type: ignore[arg-type]  # fmt: skip


def proration_lines(
    *, subscription: Subscription, plan: Plan, cycle: str, quantity: int, now: datetime, tax: TaxRule
) -> list[PreviewLine]:
    """The credit for the unused old price and the charge for the new one (immediate_prorated)."""
    start, end = subscription.current_period_start, subscription.current_period_end
    fraction = period_fraction_remaining(start, end, now)
    old_price = plan_price(subscription.plan, subscription.billing_cycle) * subscription.quantity
    new_price = plan_price(plan, cycle) * quantity
    old_label = _label(subscription.plan, subscription.billing_cycle, subscription.quantity)
    new_label = _label(plan, cycle, quantity)
    lines = []
    currency = subscription.currency
    if fraction > 0 and old_price > 0:
        lines.append(_line(f"Unused time on {old_label} from {now:%d %b %Y}", -old_price * fraction, tax, currency,
                           period_start=now, period_end=end))  # fmt: skip
    if cycle != subscription.billing_cycle:  # a new period of the new cycle starts now, charged in full
        new_end = period_end_for(now, cycle)
        lines.append(_line(f"{new_label} from {now:%d %b %Y} to {new_end:%d %b %Y}", new_price, tax, currency,
                           period_start=now, period_end=new_end))  # fmt: skip
    elif fraction > 0 and new_price > 0:
        lines.append(_line(f"Remaining time on {new_label} until {end:%d %b %Y}", new_price * fraction, tax, currency,
                           period_start=now, period_end=end))  # fmt: skip
    return lines


def change_preview_build(
    *, subscription: Subscription, plan: Plan, cycle: str, quantity: int, now: datetime, tax: TaxRule
) -> ChangePreview:
    old_amount = plan_price(subscription.plan, subscription.billing_cycle) * subscription.quantity
    new_amount = plan_price(plan, cycle) * quantity
    direction = change_direction(old_amount, new_amount)
    rule = change_rule(subscription=subscription, plan=plan, direction=direction)
    immediate = rule != ProrationRule.AT_RENEWAL
    lines: list[PreviewLine] = []
    period_start, period_end = subscription.current_period_start, subscription.current_period_end
    if rule == ProrationRule.IMMEDIATE_PRORATED:
        lines = proration_lines(subscription=subscription, plan=plan, cycle=cycle, quantity=quantity, now=now, tax=tax)
        if cycle != subscription.billing_cycle:
            period_start, period_end = now, period_end_for(now, cycle)
    return ChangePreview(
        rule=rule, direction=direction, effective_at=now if immediate else subscription.current_period_end,
        immediate=immediate, lines=lines, subtotal=sum((line.amount for line in lines), ZERO),
        tax_total=sum((line.tax_amount for line in lines), ZERO), total=sum((line.total for line in lines), ZERO),
        currency=subscription.currency, next_period_amount=line_amounts(new_amount, tax, subscription.currency).total,
        plan=plan, billing_cycle=cycle, quantity=quantity, period_start=period_start, period_end=period_end,
    )  # fmt: skip
