"""Money arithmetic for billing: `Decimal` with 2 places, rounded ROUND_HALF_UP, once per line.

Amounts never pass through floats. Helpers here round; callers sum rounded lines (docs/billing.md).
"""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError

from apps.tenancy.models import Plan

from .models import BillingCycle

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
CYCLE_MONTHS = {BillingCycle.MONTHLY: 1, BillingCycle.QUARTERLY: 3, BillingCycle.ANNUAL: 12}


def money_round(value: Decimal | int | str) -> Decimal:
    """Round to cents, halves away from zero (ROUND_HALF_UP): 0.125 → 0.13, -0.125 → -0.13."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money_require_not_negative(value: Decimal, *, field: str) -> Decimal:
    if value < 0:
        raise ValidationError({field: ValidationError("The amount cannot be negative.", code="amount_negative")})
    return value


def money_format(value: Decimal, currency: str) -> str:
    return f"{currency} {money_round(value):,.2f}"


def plan_price(plan: Plan, cycle: str) -> Decimal:
    """The plan's price of one seat for one period of `cycle`."""
    return {
        BillingCycle.MONTHLY: plan.price_monthly,
        BillingCycle.QUARTERLY: plan.price_quarterly,
        BillingCycle.ANNUAL: plan.price_annual,
    }[BillingCycle(cycle)]


def period_end_for(start: datetime, cycle: str) -> datetime:
    """The end of the period of `cycle` that starts at `start` (calendar months; 31 Jan + 1 month = 28/29 Feb)."""
    return start + relativedelta(months=CYCLE_MONTHS[BillingCycle(cycle)])
