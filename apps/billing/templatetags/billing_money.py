"""`{% load billing_money %}`: amounts at their currency's precision.

`{{ invoice.total|amount:invoice.currency }}` → "53.90" (AUD), "4900" (JPY), "1.235" (KWD): the figure only,
for tables whose column names the currency. `{{ invoice.total|money:invoice.currency }}` → "A$53.90" (babel).
"""

from decimal import Decimal
from typing import Any

from django import template

from apps.billing.money import money_format, money_round

register = template.Library()


@register.filter
def amount(value: Any, currency: str) -> str:
    if value is None or value == "":
        return ""
    return f"{money_round(Decimal(value), currency)}"


@register.filter
def money(value: Any, currency: str) -> str:
    if value is None or value == "":
        return ""
    return money_format(Decimal(value), currency)
