"""Money arithmetic for billing: `Decimal` with 2 places, rounded ROUND_HALF_UP, once per line.

Amounts never pass through floats. Helpers here round; callers sum rounded lines (docs/billing.md).
"""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision, is_currency
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


# --- Currencies (ISO 4217 precision from babel/CLDR): JPY has 0 decimals, KWD 3, most 2 ---------------


def currency_exists(currency: str) -> bool:
    return bool(currency) and currency.isalpha() and len(currency) == 3 and is_currency(currency.upper())


def currency_exponent(currency: str) -> int:
    """Digits after the decimal point for `currency` (ISO 4217 minor unit): JPY 0, AUD 2, KWD 3."""
    if not currency_exists(currency):
        raise ValidationError({"currency": ValidationError(f"Unknown currency {currency!r}.", code="currency_unknown")})
    return int(get_currency_precision(currency.upper()))


def minor_units(amount: Decimal | int | str, currency: str) -> int:
    """The amount in minor units, as providers take it: AUD 12.34 → 1234, JPY 1234 → 1234, KWD 1.234 → 1234."""
    exponent = currency_exponent(currency)
    scaled = (Decimal(amount) * (Decimal(10) ** exponent)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(scaled)


def from_minor_units(units: int, currency: str) -> Decimal:
    """The inverse of `minor_units`: 1234 JPY → Decimal('1234'), 1234 AUD → Decimal('12.34')."""
    exponent = currency_exponent(currency)
    return (Decimal(units) / (Decimal(10) ** exponent)).quantize(Decimal(1).scaleb(-exponent))
