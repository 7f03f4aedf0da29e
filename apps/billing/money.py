"""Money arithmetic for billing: `Decimal` rounded to the currency's ISO 4217 precision (JPY 0 places,
AUD 2, KWD 3), ROUND_HALF_UP, once per line.

Amounts never pass through floats. Helpers here round; callers sum rounded lines (docs/billing.md).
Every helper takes the currency: there is no default precision.
"""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError

from apps.core.currencies import currency_exists, currency_exponent, currency_unknown_error
from apps.tenancy.models import Plan

from .models import BillingCycle

__all__ = ["currency_exists", "currency_exponent", "currency_unknown_error", "from_minor_units", "minor_units",
           "money_format", "money_round", "money_zero", "period_end_for", "plan_price"]  # fmt: skip

ZERO = Decimal("0")
CYCLE_MONTHS = {BillingCycle.MONTHLY: 1, BillingCycle.QUARTERLY: 3, BillingCycle.ANNUAL: 12}


def money_quantum(currency: str) -> Decimal:
    """The currency's smallest unit: 1 for JPY, 0.01 for AUD, 0.001 for KWD."""
    return Decimal(1).scaleb(-currency_exponent(currency))


def money_zero(currency: str) -> Decimal:
    return ZERO.quantize(money_quantum(currency))


def money_round(value: Decimal | int | str, currency: str) -> Decimal:
    """Round to the currency's precision, halves away from zero (ROUND_HALF_UP): AUD 0.125 → 0.13,
    -0.125 → -0.13; JPY 1234.5 → 1235; KWD 1.2345 → 1.235. An amount too large to represent is refused
    with a ValidationError ("amount"), never a decimal.InvalidOperation."""
    try:
        return Decimal(value).quantize(money_quantum(currency), rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValidationError({"amount": ValidationError("The amount is too large.", code="amount_too_large")}) from exc


def money_require_not_negative(value: Decimal, *, field: str) -> Decimal:
    if value < 0:
        raise ValidationError({field: ValidationError("The amount cannot be negative.", code="amount_negative")})
    return value


def money_format(value: Decimal, currency: str, locale: str = "en") -> str:
    """The amount for people, by babel with the currency's own precision: "A$1,234.50", "¥1,235", "KWD1.235"."""
    return format_currency(money_round(value, currency), currency, locale=locale, currency_digits=True)


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


# --- Minor units (what providers take): currency_exists / currency_exponent live in apps.core.currencies -----


def minor_units(amount: Decimal | int | str, currency: str) -> int:
    """The amount in minor units, as providers take it: AUD 12.34 → 1234, JPY 1234 → 1234, KWD 1.234 → 1234."""
    exponent = currency_exponent(currency)
    scaled = (Decimal(amount) * (Decimal(10) ** exponent)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(scaled)


def from_minor_units(units: int, currency: str) -> Decimal:
    """The inverse of `minor_units`: 1234 JPY → Decimal('1234'), 1234 AUD → Decimal('12.34')."""
    exponent = currency_exponent(currency)
    return (Decimal(units) / (Decimal(10) ** exponent)).quantize(Decimal(1).scaleb(-exponent))
