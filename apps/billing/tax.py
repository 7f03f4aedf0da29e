"""Tax of an invoice from the tenant's country (apps.reference.Country), rounded once per line to the
invoice currency's precision (apps.billing.money.money_round).

Exclusive tax (AU GST 10 %): net = round(price), tax = round(net x rate), total = net + tax.
Inclusive tax (GB VAT 20 %): gross = round(price), tax = round(gross x rate / (1 + rate)), net = gross - tax.
"""

from dataclasses import dataclass
from decimal import Decimal

from apps.reference.models import Country

from .money import money_round, money_zero


@dataclass(frozen=True)
class TaxRule:
    name: str = ""
    rate: Decimal = Decimal("0")
    inclusive: bool = False
    number_label: str = ""


NO_TAX = TaxRule()


@dataclass(frozen=True)
class LineAmounts:
    amount: Decimal  # net, excluding tax
    tax_amount: Decimal
    total: Decimal


def tax_rule_for_country(code: str) -> TaxRule:
    """The tax rule of an ISO country code; blank or unknown countries have no tax."""
    country = Country.objects.filter(code=(code or "").upper(), is_active=True).first() if code else None
    if country is None:
        return NO_TAX
    return TaxRule(
        name=country.tax_name,
        rate=country.tax_rate,
        inclusive=country.tax_inclusive,
        number_label=country.tax_number_label,
    )


def line_amounts(price: Decimal, rule: TaxRule, currency: str) -> LineAmounts:
    """Split one line's price (net when the tax is exclusive, gross when inclusive) into net, tax, total,
    each rounded to `currency`'s precision."""
    if rule.rate == 0:
        net = money_round(price, currency)
        return LineAmounts(amount=net, tax_amount=money_zero(currency), total=net)
    if rule.inclusive:
        gross = money_round(price, currency)
        tax = money_round(gross * rule.rate / (1 + rule.rate), currency)
        return LineAmounts(amount=gross - tax, tax_amount=tax, total=gross)
    net = money_round(price, currency)
    tax = money_round(net * rule.rate, currency)
    return LineAmounts(amount=net, tax_amount=tax, total=net + tax)
