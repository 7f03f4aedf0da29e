"""ISO 4217 currencies from babel (CLDR): which codes exist and how many decimals each has.

In the leaf so the kernel (tenancy's plan validation) and billing (money arithmetic, apps.billing.money)
ask the same question the same way.
"""

from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.numbers import get_currency_precision, is_currency
from django.core.exceptions import ValidationError


@lru_cache(maxsize=512)
def currency_exists(currency: str) -> bool:
    """True for a known ISO 4217 code in upper case ("AUD", "JPY"); "aud", "XYZ" and "" are not."""
    return bool(currency) and len(currency) == 3 and currency.isalpha() and currency.isupper() and is_currency(currency)


def currency_unknown_error(currency: str, *, field: str = "currency") -> ValidationError:
    return ValidationError(
        {field: ValidationError(f"Unknown currency {currency!r}: use an ISO 4217 code such as AUD, JPY or KWD.",
                                code="currency_unknown")}
    )  # fmt: skip


@lru_cache(maxsize=512)
def _exponent(currency: str) -> int:
    return int(get_currency_precision(currency))


def currency_exponent(currency: str) -> int:
    """Digits after the decimal point for `currency` (ISO 4217 minor unit): JPY 0, AUD 2, KWD 3."""
    if not currency_exists(currency):
        raise currency_unknown_error(currency)
    return _exponent(currency)


class CurrencyAmountsMixin:
    """For a model with a `currency` column and amount columns wider than most currencies need (3 decimals,
    for KWD): amounts loaded from the database are held at their currency's precision, so AUD 49.000 is
    49.00 and JPY 4900.000 is 4900 in memory, in audit snapshots and in templates. The values are stored
    already rounded to the currency (apps.billing.money.money_round), so this never changes an amount.

    List the columns in `currency_amount_fields`; put the mixin before `models.Model`."""

    currency_amount_fields: tuple[str, ...] = ()

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Any:
        instance = super().from_db(db, field_names, values)  # type: ignore[misc]
        currency = instance.__dict__.get("currency")
        if currency and currency_exists(currency):
            quantum = Decimal(1).scaleb(-_exponent(currency))
            for name in cls.currency_amount_fields:
                value = instance.__dict__.get(name)
                if isinstance(value, Decimal) and value.is_finite():
                    instance.__dict__[name] = value.quantize(quantum)
        return instance
