"""Money by currency (ISO 4217 via babel): amounts, lines, tax, totals, proration and coupons rounded to
the currency's precision (JPY 0 decimals, AUD 2, KWD 3); a plan in an unknown currency is refused."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.billing.coupons import coupon_discount
from apps.billing.invoices import invoice_issue_for_period
from apps.billing.models import Coupon
from apps.billing.money import from_minor_units, minor_units, money_format, money_round
from apps.billing.services import change_preview
from apps.billing.tax import TaxRule, line_amounts
from apps.billing.tests.conftest import DEC_1, NOV_1, NOV_16
from apps.reference.models import Country
from apps.tenancy.models import Plan
from apps.tenancy.services import plan_create

pytestmark = pytest.mark.django_db
D = Decimal
GST = TaxRule(name="GST", rate=D("0.1"), inclusive=False)
VAT5 = TaxRule(name="VAT", rate=D("0.05"), inclusive=True)


@pytest.mark.parametrize(("value", "currency", "expected"), [
    ("0.125", "AUD", "0.13"), ("-0.125", "AUD", "-0.13"), ("1234.5", "JPY", "1235"), ("1234.4", "JPY", "1234"),
    ("1.2345", "KWD", "1.235"), ("-1.2345", "KWD", "-1.235"), ("7", "KWD", "7.000"),
])  # fmt: skip
def test_money_round_uses_the_currency_precision(value, currency, expected):
    rounded = money_round(D(value), currency)
    assert rounded == D(expected) and str(rounded) == expected


def test_money_round_refuses_an_unknown_currency_and_an_absurd_amount():
    with pytest.raises(ValidationError) as unknown:
        money_round(D("1"), "XYZ")
    assert unknown.value.error_dict["currency"][0].code == "currency_unknown"
    with pytest.raises(ValidationError) as huge:
        money_round(D(10) ** 30 * 49, "AUD")
    assert huge.value.error_dict["amount"][0].code == "amount_too_large"


def test_money_format_per_currency_with_babel():
    assert money_format(D("1234.5"), "AUD") == "A$1,234.50"
    assert money_format(D("1234.5"), "JPY") == "¥1,235"
    assert money_format(D("1.2345"), "KWD") == "KWD1.235"
    assert (minor_units(D("1.235"), "KWD"), from_minor_units(1235, "JPY")) == (1235, D("1235"))


def test_tax_and_lines_round_to_the_currency():
    jpy = line_amounts(D("4980"), GST, "JPY")
    assert (jpy.amount, jpy.tax_amount, jpy.total) == (D("4980"), D("498"), D("5478"))
    assert str(line_amounts(D("1999"), GST, "JPY").tax_amount) == "200"  # 199.9 → 200 yen, no cents
    kwd = line_amounts(D("10.005"), GST, "KWD")
    assert (str(kwd.amount), str(kwd.tax_amount), str(kwd.total)) == ("10.005", "1.001", "11.006")
    inclusive = line_amounts(D("10.500"), VAT5, "KWD")
    assert (str(inclusive.amount), str(inclusive.tax_amount)) == ("10.000", "0.500")


def test_coupons_round_to_the_currency():
    percent = Coupon(code="X", name="X", discount_type="percent", percent_off=D("15"))
    assert str(coupon_discount(percent, D("4990"), "JPY")) == "749"  # 748.5 → 749
    assert str(coupon_discount(percent, D("3.333"), "KWD")) == "0.500"
    assert str(coupon_discount(percent, D("0"), "JPY")) == "0"


@pytest.fixture
def jp_country(db):
    return Country.objects.update_or_create(code="JP", defaults={
        "name": "Japan", "currency_code": "JPY", "tax_rate": D("0.1000"), "tax_name": "JCT", "tax_inclusive": False,
    })[0]  # fmt: skip


@pytest.fixture
def kw_country(db):
    return Country.objects.update_or_create(code="KW", defaults={
        "name": "Kuwait", "currency_code": "KWD", "tax_rate": D("0.0500"), "tax_name": "VAT", "tax_inclusive": False,
    })[0]  # fmt: skip


def _billed_in(tenant, country):
    tenant.country = country.code
    tenant.save(update_fields=["country"])
    return tenant


def test_a_jpy_invoice_has_no_decimals(acme, jp_country, plan_factory, make_subscription):
    plan = plan_factory("yen", currency="JPY", price_monthly=D("4980"))
    subscription = make_subscription(_billed_in(acme, jp_country), plan=plan, quantity=3)
    invoice, _ = invoice_issue_for_period(subscription=subscription, period_start=NOV_1, period_end=DEC_1, now=NOV_1)
    invoice.refresh_from_db()
    [line] = invoice.lines.all()
    assert (line.amount, line.tax_amount, line.total) == (D("14940"), D("1494"), D("16434"))
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (D("14940"), D("1494"), D("16434"))


def test_a_kwd_invoice_keeps_three_decimals(acme, kw_country, plan_factory, make_subscription):
    plan = plan_factory("dinar", currency="KWD", price_monthly=D("12.345"))
    subscription = make_subscription(_billed_in(acme, kw_country), plan=plan)
    invoice, _ = invoice_issue_for_period(subscription=subscription, period_start=NOV_1, period_end=DEC_1, now=NOV_1)
    invoice.refresh_from_db()
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (D("12.345"), D("0.617"), D("12.962"))


def test_the_invoice_api_and_page_show_the_currency_precision(
    acme, acme_admin, acme_client, kw_country, plan_factory, make_subscription
):
    plan = plan_factory("dinar", currency="KWD", price_monthly=D("12.345"))
    subscription = make_subscription(_billed_in(acme, kw_country), plan=plan)
    invoice, _ = invoice_issue_for_period(subscription=subscription, period_start=NOV_1, period_end=DEC_1, now=NOV_1)
    acme_client.force_login(acme_admin)
    data = acme_client.get(f"/api/v1/billing/invoices/{invoice.uuid}/").json()
    assert (data["total"], data["tax_total"], data["lines"][0]["amount"]) == ("12.962", "0.617", "12.345")
    page = acme_client.get(f"/manage/billing/invoices/{invoice.uuid}/").content.decode()
    assert "12.962" in page and "12.9620" not in page


def test_a_jpy_plan_upgrade_is_prorated_to_the_yen(acme, jp_country, plan_factory, make_subscription):
    small = plan_factory("yen-small", currency="JPY", price_monthly=D("1000"))
    large = plan_factory("yen-large", currency="JPY", price_monthly=D("3333"))
    subscription = make_subscription(_billed_in(acme, jp_country), plan=small)
    preview = change_preview(subscription=subscription, plan=large, now=NOV_16)  # exactly half the period left
    assert [(line.amount, line.tax_amount) for line in preview.lines] == [(D("-500"), D("-50")), (D("1667"), D("167"))]
    assert all(line.amount.as_tuple().exponent == 0 for line in preview.lines)
    assert (preview.subtotal, preview.total) == (D("1167"), D("1284"))


def test_a_plan_in_an_unknown_currency_is_refused_naming_the_field(platform_superuser):
    with pytest.raises(ValidationError) as error:
        plan_create(acting_user=platform_superuser, name="bogus", display_name="Bogus", currency="XYZ")
    assert error.value.error_dict["currency"][0].code == "currency_unknown"
    assert not Plan.objects.filter(name="bogus").exists()
    with pytest.raises(ValidationError) as yen_cents:
        plan_create(acting_user=platform_superuser, name="yen-cents", display_name="Y", currency="JPY",
                    price_monthly=D("10.50"))  # fmt: skip
    assert yen_cents.value.error_dict["price_monthly"][0].code == "price_precision"


def test_the_plan_admin_form_refuses_an_unknown_currency(platform_client, platform_superuser):
    platform_client.force_login(platform_superuser)
    response = platform_client.post("/admin/tenancy/plan/add/", {
        "name": "bogus", "display_name": "Bogus", "currency": "ABC", "price_monthly": "1", "price_quarterly": "1",
        "price_annual": "1", "max_users": "5", "max_storage_gb": "1", "api_calls_per_day": "1000", "features": "{}",
        "trial_days": "0", "proration_upgrade": "immediate_prorated", "proration_downgrade": "at_renewal",
        "display_order": "0", "is_active": "on",
    })  # fmt: skip
    assert response.status_code == 200
    assert "Unknown currency &#x27;ABC&#x27;" in response.content.decode()
    assert not Plan.objects.filter(name="bogus").exists()
