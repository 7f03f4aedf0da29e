"""ISO 4217 currencies from babel (CLDR): which codes exist and how many decimals each has.

In the leaf so the kernel (tenancy's plan validation) and billing (money arithmetic, apps.billing.money)
ask the same question the same way.
"""

from babel.numbers import get_currency_precision, is_currency
from django.core.exceptions import ValidationError


def currency_exists(currency: str) -> bool:
    """True for a known ISO 4217 code in upper case ("AUD", "JPY"); "aud", "XYZ" and "" are not."""
    return bool(currency) and len(currency) == 3 and currency.isalpha() and currency.isupper() and is_currency(currency)


def currency_unknown_error(currency: str, *, field: str = "currency") -> ValidationError:
    return ValidationError(
        {field: ValidationError(f"Unknown currency {currency!r}: use an ISO 4217 code such as AUD, JPY or KWD.",
                                code="currency_unknown")}
    )  # fmt: skip


def currency_exponent(currency: str) -> int:
    """Digits after the decimal point for `currency` (ISO 4217 minor unit): JPY 0, AUD 2, KWD 3."""
    if not currency_exists(currency):
        raise currency_unknown_error(currency)
    return int(get_currency_precision(currency))
