"""Coupons of every kind, applied as negative discount lines on period invoices (AU, GST 10 % exclusive)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError

from apps.billing.coupons import coupon_redeem
from apps.billing.invoices import invoice_issue_for_period
from apps.billing.models import Coupon, CouponRedemption, LineKind
from apps.billing.tests.conftest import NOV_1, NOV_16

D = Decimal


@pytest.fixture
def coupon(db):
    def make(code: str, **fields) -> Coupon:
        values = {"name": code.title(), "discount_type": "percent", "duration": "once"} | fields
        return Coupon.objects.create(code=code, **values)

    return make


def _discounts(subscription, periods: int) -> list[Decimal]:
    """The discount line amount (0 when none) of each of `periods` monthly invoices from 1 Nov 2026."""
    found = []
    for n in range(periods):
        start = NOV_1 + relativedelta(months=n)
        invoice, _ = invoice_issue_for_period(subscription=subscription, period_start=start,
                                              period_end=start + relativedelta(months=1), now=start)  # fmt: skip
        lines = [line.amount for line in invoice.lines.all() if line.kind == LineKind.DISCOUNT]
        found.append(lines[0] if lines else D("0"))
    return found


def test_percent_once_10_percent_takes_4_90_off_the_first_invoice_only(acme_subscription, coupon, platform_superuser):
    coupon("WELCOME10", percent_off=D("10"))
    redemption = coupon_redeem(subscription=acme_subscription, code="welcome10", acting_user=platform_superuser,
                               now=NOV_16)  # fmt: skip
    assert redemption.periods_remaining == 1
    assert _discounts(acme_subscription, 2) == [D("-4.90"), D("0")]
    first = acme_subscription.invoices.order_by("period_start").first()
    # 49.00 - 4.90 = 44.10 net, GST 4.90 - 0.49 = 4.41, total 48.51
    assert (first.subtotal, first.discount_total, first.tax_total, first.total) == (
        D("49.00"), D("4.90"), D("4.41"), D("48.51"))  # fmt: skip
    redemption.refresh_from_db()
    assert redemption.is_active is False


def test_fixed_10_00_aud_repeating_3_periods_discounts_three_invoices_then_stops(acme_subscription, coupon):
    coupon("TENOFF", discount_type="fixed", amount_off=D("10.00"), currency="AUD", duration="repeating",
           duration_periods=3)  # fmt: skip
    coupon_redeem(subscription=acme_subscription, code="TENOFF", acting_user=None, now=NOV_16)
    assert _discounts(acme_subscription, 4) == [D("-10.00")] * 3 + [D("0")]


def test_forever_20_percent_discounts_every_invoice(acme_subscription, coupon):
    coupon("LOYAL20", percent_off=D("20"), duration="forever")
    redemption = coupon_redeem(subscription=acme_subscription, code="LOYAL20", acting_user=None, now=NOV_16)
    assert redemption.periods_remaining is None
    assert _discounts(acme_subscription, 4) == [D("-9.80")] * 4


def test_fixed_coupon_larger_than_the_plan_is_capped_at_the_plan_line(acme_subscription, coupon):
    coupon("HUGE", discount_type="fixed", amount_off=D("100.00"), currency="AUD")
    coupon_redeem(subscription=acme_subscription, code="HUGE", acting_user=None, now=NOV_16)
    invoice, _ = invoice_issue_for_period(subscription=acme_subscription, period_start=NOV_1,
                                          period_end=NOV_1 + relativedelta(months=1), now=NOV_16)  # fmt: skip
    assert (invoice.total, invoice.status) == (D("0.00"), "paid")


def _refused(subscription, code: str) -> str:
    with pytest.raises(ValidationError) as error:
        coupon_redeem(subscription=subscription, code=code, acting_user=None, now=NOV_16)
    return str(error.value.error_dict["code"][0].code)


def test_expired_coupon_is_refused(acme_subscription, coupon):
    coupon("OLD", percent_off=D("10"), expires_at=datetime(2026, 10, 1, tzinfo=UTC))
    assert _refused(acme_subscription, "OLD") == "coupon_expired"


def test_exhausted_coupon_is_refused_and_counts_are_kept(acme_subscription, make_subscription, globex, coupon):
    limited = coupon("ONE", percent_off=D("10"), max_redemptions=1)
    coupon_redeem(subscription=make_subscription(globex), code="ONE", acting_user=None, now=NOV_16)
    assert _refused(acme_subscription, "ONE") == "coupon_exhausted"
    limited.refresh_from_db()
    assert limited.times_redeemed == 1


def test_coupon_for_another_plan_is_refused(acme_subscription, coupon, professional):
    coupon("PROONLY", percent_off=D("10")).plans.add(professional)
    assert _refused(acme_subscription, "PROONLY") == "coupon_not_for_plan"


def test_fixed_coupon_in_another_currency_is_refused(acme_subscription, coupon):
    coupon("USD5", discount_type="fixed", amount_off=D("5.00"), currency="USD")
    assert _refused(acme_subscription, "USD5") == "currency_mismatch"


def test_inactive_unknown_and_second_coupons_are_refused_and_nothing_is_written(acme_subscription, coupon):
    coupon("OFF", percent_off=D("10"), is_active=False)
    coupon("A", percent_off=D("10"))
    coupon("B", percent_off=D("10"))
    assert _refused(acme_subscription, "OFF") == "coupon_inactive"
    assert _refused(acme_subscription, "NOPE") == "coupon_unknown"
    coupon_redeem(subscription=acme_subscription, code="A", acting_user=None, now=NOV_16)
    assert _refused(acme_subscription, "B") == "coupon_already_applied"
    assert CouponRedemption.objects.filter(subscription=acme_subscription).count() == 1
    assert Coupon.objects.get(code="B").times_redeemed == 0
