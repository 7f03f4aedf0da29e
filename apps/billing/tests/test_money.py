"""Money and tax rules: ROUND_HALF_UP to the currency's precision (AUD cents here; other currencies in
test_currencies.py), once per line; exclusive (AU GST) and inclusive (GB VAT) tax."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.billing.money import money_require_not_negative, money_round, period_end_for, plan_price
from apps.billing.tax import NO_TAX, TaxRule, line_amounts, tax_rule_for_country

D = Decimal
GST = TaxRule(name="GST", rate=D("0.1"), inclusive=False)
VAT = TaxRule(name="VAT", rate=D("0.2"), inclusive=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.125", "0.13"), ("0.124", "0.12"), ("-0.125", "-0.13"), ("24.5", "24.50"), ("32.666666", "32.67")],
)
def test_money_round_is_half_up_to_cents(value, expected):
    assert money_round(D(value), "AUD") == D(expected)


def test_negative_amounts_are_refused_with_a_coded_error():
    with pytest.raises(ValidationError) as error:
        money_require_not_negative(D("-1.00"), field="amount")
    assert error.value.error_dict["amount"][0].code == "amount_negative"


def test_exclusive_gst_10_percent_on_49_00_is_4_90_total_53_90():
    assert line_amounts(D("49.00"), GST, "AUD") == (line_amounts(D("49"), GST, "AUD"))
    amounts = line_amounts(D("49.00"), GST, "AUD")
    assert (amounts.amount, amounts.tax_amount, amounts.total) == (D("49.00"), D("4.90"), D("53.90"))


def test_exclusive_gst_rounds_the_line_tax_half_up_10_05_gives_1_01():
    amounts = line_amounts(D("10.05"), GST, "AUD")
    assert (amounts.tax_amount, amounts.total) == (D("1.01"), D("11.06"))


def test_inclusive_vat_20_percent_on_49_00_gross_is_8_17_tax_and_40_83_net():
    amounts = line_amounts(D("49.00"), VAT, "AUD")
    assert (amounts.amount, amounts.tax_amount, amounts.total) == (D("40.83"), D("8.17"), D("49.00"))


def test_inclusive_vat_credit_line_is_symmetric_minus_24_50_gross_is_minus_4_08_tax():
    amounts = line_amounts(D("-24.50"), VAT, "AUD")
    assert (amounts.amount, amounts.tax_amount, amounts.total) == (D("-20.42"), D("-4.08"), D("-24.50"))


def test_no_tax_for_a_blank_or_unknown_country(db):
    assert tax_rule_for_country("") == NO_TAX
    assert tax_rule_for_country("ZZ") == NO_TAX
    assert line_amounts(D("49.004"), NO_TAX, "AUD").total == D("49.00")


def test_tax_rule_comes_from_the_country_reference_data(au_country, gb_country):
    assert tax_rule_for_country("AU") == TaxRule(name="GST", rate=D("0.1000"), inclusive=False, number_label="ABN")
    assert tax_rule_for_country("gb").inclusive is True


def test_plan_prices_and_calendar_periods(starter):
    assert [plan_price(starter, c) for c in ("monthly", "quarterly", "annual")] == [
        D("49.00"),
        D("139.00"),
        D("529.00"),
    ]
    jan_31 = datetime(2026, 1, 31, tzinfo=UTC)
    assert period_end_for(jan_31, "monthly") == datetime(2026, 2, 28, tzinfo=UTC)
    assert period_end_for(jan_31, "quarterly") == datetime(2026, 4, 30, tzinfo=UTC)
    assert period_end_for(jan_31, "annual") == datetime(2027, 1, 31, tzinfo=UTC)
