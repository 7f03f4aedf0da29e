"""Proration worked examples (AU, GST 10 % exclusive; period 1 Nov → 1 Dec 2026, 30 days; "halfway" = 16 Nov).

Starter is 49.00 / 139.00 / 529.00 AUD (monthly / quarterly / annual), professional 149.00 monthly.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.billing.invoices import invoice_issue_for_period
from apps.billing.models import ChangeStatus, Invoice, SubscriptionChange
from apps.billing.proration import period_fraction_remaining
from apps.billing.services import change_apply, change_preview, scheduled_changes_apply
from apps.billing.tests.conftest import DEC_1, NOV_1, NOV_16
from apps.tenancy.models import ProrationRule

D = Decimal
NOV_11 = datetime(2026, 11, 11, tzinfo=UTC)  # 20 of 30 days left
JAN_1, FEB_1 = datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC)


def _amounts(preview):
    return [(line.amount, line.tax_amount, line.total) for line in preview.lines]


def test_fraction_is_remaining_seconds_over_period_seconds_unrounded():
    assert period_fraction_remaining(NOV_1, DEC_1, NOV_16) == D("0.5")
    assert period_fraction_remaining(NOV_1, DEC_1, NOV_11) == D(20) / D(30)
    assert period_fraction_remaining(NOV_1, DEC_1, DEC_1) == 0


def test_upgrade_starter_to_professional_halfway_through_a_30_day_month_charges_50_00_plus_gst_5_00(
    acme_subscription, professional
):
    preview = change_preview(subscription=acme_subscription, plan=professional, now=NOV_16)
    assert (preview.direction, preview.rule, preview.immediate) == ("upgrade", ProrationRule.IMMEDIATE_PRORATED, True)
    assert _amounts(preview) == [(D("-24.50"), D("-2.45"), D("-26.95")), (D("74.50"), D("7.45"), D("81.95"))]
    assert (preview.subtotal, preview.tax_total, preview.total) == (D("50.00"), D("5.00"), D("55.00"))
    assert preview.next_period_amount == D("163.90")
    assert preview.effective_at == NOV_16


def test_upgrade_starter_to_professional_with_20_of_30_days_left_rounds_each_line_66_66_plus_gst_6_66(
    acme_subscription, professional
):
    preview = change_preview(subscription=acme_subscription, plan=professional, now=NOV_11)
    # -49 x 2/3 = -32.666.. → -32.67 (GST -3.27); 149 x 2/3 = 99.333.. → 99.33 (GST 9.93)
    assert _amounts(preview) == [(D("-32.67"), D("-3.27"), D("-35.94")), (D("99.33"), D("9.93"), D("109.26"))]
    assert (preview.subtotal, preview.tax_total, preview.total) == (D("66.66"), D("6.66"), D("73.32"))


def test_applied_upgrade_halfway_issues_an_open_proration_invoice_of_55_00_and_moves_the_tenant(
    acme_subscription, professional, platform_superuser
):
    change = change_apply(subscription=acme_subscription, plan=professional, acting_user=platform_superuser, now=NOV_16)
    acme_subscription.refresh_from_db()
    assert acme_subscription.plan == professional
    assert (acme_subscription.current_period_start, acme_subscription.current_period_end) == (NOV_1, DEC_1)
    assert change.status == ChangeStatus.APPLIED and change.proration_amount == D("50.00")
    invoice = change.invoice
    assert invoice.idempotency_key == f"change:{change.pk}" and invoice.billing_reason == "proration"
    assert (invoice.status, invoice.subtotal, invoice.tax_total, invoice.total) == (
        "open",
        D("50.00"),
        D("5.00"),
        D("55.00"),
    )
    assert invoice.number.startswith("INV-")
    acme_subscription.tenant.refresh_from_db()
    assert acme_subscription.tenant.plan == professional


def test_downgrade_professional_to_starter_halfway_is_scheduled_for_renewal_1_dec_and_charges_nothing_now(
    make_subscription, acme_au, professional, starter, platform_superuser
):
    sub = make_subscription(acme_au, plan=professional)
    preview = change_preview(subscription=sub, plan=starter, now=NOV_16)
    assert (preview.direction, preview.rule, preview.immediate) == ("downgrade", ProrationRule.AT_RENEWAL, False)
    assert preview.lines == [] and preview.total == 0 and preview.effective_at == DEC_1
    assert preview.next_period_amount == D("53.90")
    change = change_apply(subscription=sub, plan=starter, acting_user=platform_superuser, now=NOV_16)
    sub.refresh_from_db()
    assert change.status == ChangeStatus.SCHEDULED and change.invoice is None and sub.plan == professional
    assert not Invoice.objects.filter(subscription=sub).exists()
    assert scheduled_changes_apply(sub, NOV_16) == []  # not due yet
    assert scheduled_changes_apply(sub, DEC_1) == [change]
    sub.refresh_from_db()
    change.refresh_from_db()
    assert sub.plan == starter and change.status == ChangeStatus.APPLIED and change.applied_at == DEC_1
    sub.tenant.refresh_from_db()
    assert sub.tenant.plan == starter


def test_downgrade_with_an_immediate_prorated_rule_halfway_credits_50_00_net_and_issues_no_invoice(
    make_subscription, acme_au, professional, plan_factory, platform_superuser
):
    cheap = plan_factory("cheap", price_monthly=D("49.00"), proration_downgrade=ProrationRule.IMMEDIATE_PRORATED)
    sub = make_subscription(acme_au, plan=professional)
    preview = change_preview(subscription=sub, plan=cheap, now=NOV_16)
    assert _amounts(preview) == [(D("-74.50"), D("-7.45"), D("-81.95")), (D("24.50"), D("2.45"), D("26.95"))]
    assert (preview.subtotal, preview.total) == (D("-50.00"), D("-55.00"))
    change = change_apply(subscription=sub, plan=cheap, acting_user=platform_superuser, now=NOV_16)
    assert change.proration_amount == D("-50.00") and change.invoice is None


def test_a_prorated_downgrade_credit_of_50_00_is_carried_to_the_renewal_invoice_49_00_then_capped(
    make_subscription, acme_au, professional, plan_factory, platform_superuser
):
    cheap = plan_factory("cheap", price_monthly=D("49.00"), proration_downgrade=ProrationRule.IMMEDIATE_PRORATED)
    sub = make_subscription(acme_au, plan=professional)
    change = change_apply(subscription=sub, plan=cheap, acting_user=platform_superuser, now=NOV_16)
    invoice, _ = invoice_issue_for_period(subscription=sub, period_start=DEC_1, period_end=JAN_1, now=DEC_1)
    credit = invoice.lines.get(kind="credit")
    # the plan line is 49.00 net: the 50.00 credit is used up to it, so the invoice is 0.00 (paid)
    assert (credit.amount, credit.tax_amount, invoice.total, invoice.status) == (
        D("-49.00"),
        D("-4.90"),
        D("0.00"),
        "paid",
    )
    change.refresh_from_db()
    assert change.invoice == invoice
    later, _ = invoice_issue_for_period(subscription=sub, period_start=JAN_1, period_end=FEB_1, now=JAN_1)
    assert later.total == D("53.90")  # a credit is used once


def test_upgrade_to_a_plan_with_immediate_no_proration_switches_now_and_charges_nothing(
    acme_subscription, plan_factory, platform_superuser
):
    big = plan_factory("big", price_monthly=D("99.00"), proration_upgrade=ProrationRule.IMMEDIATE_NO_PRORATION)
    preview = change_preview(subscription=acme_subscription, plan=big, now=NOV_16)
    assert (preview.immediate, preview.lines, preview.next_period_amount) == (True, [], D("108.90"))
    change = change_apply(subscription=acme_subscription, plan=big, acting_user=platform_superuser, now=NOV_16)
    acme_subscription.refresh_from_db()
    assert acme_subscription.plan == big and change.invoice is None


def test_cycle_change_starter_monthly_to_annual_halfway_credits_24_50_charges_529_00_total_554_95_new_period(
    acme_subscription, platform_superuser
):
    preview = change_preview(subscription=acme_subscription, billing_cycle="annual", now=NOV_16)
    assert preview.direction == "upgrade"
    assert _amounts(preview) == [(D("-24.50"), D("-2.45"), D("-26.95")), (D("529.00"), D("52.90"), D("581.90"))]
    assert (preview.subtotal, preview.tax_total, preview.total) == (D("504.50"), D("50.45"), D("554.95"))
    change = change_apply(subscription=acme_subscription, billing_cycle="annual", acting_user=platform_superuser,
                          now=NOV_16)  # fmt: skip
    acme_subscription.refresh_from_db()
    assert acme_subscription.billing_cycle == "annual" and change.kind == SubscriptionChange.Kind.CYCLE
    assert (acme_subscription.current_period_start, acme_subscription.current_period_end) == (
        NOV_16, datetime(2027, 11, 16, tzinfo=UTC))  # fmt: skip
    assert change.invoice.total == D("554.95")


def test_cycle_change_starter_annual_to_monthly_is_a_downgrade_at_renewal(make_subscription, acme_au):
    sub = make_subscription(acme_au, billing_cycle="annual", current_period_end=datetime(2027, 11, 1, tzinfo=UTC))
    preview = change_preview(subscription=sub, billing_cycle="monthly", now=NOV_16)
    assert (preview.direction, preview.immediate, preview.total) == ("downgrade", False, 0)
    assert preview.next_period_amount == D("53.90")


def test_quantity_change_starter_2_to_3_seats_halfway_charges_24_50_plus_gst_2_45(
    make_subscription, acme_au, platform_superuser
):
    sub = make_subscription(acme_au, quantity=2)
    preview = change_preview(subscription=sub, quantity=3, now=NOV_16)
    assert _amounts(preview) == [(D("-49.00"), D("-4.90"), D("-53.90")), (D("73.50"), D("7.35"), D("80.85"))]
    assert (preview.subtotal, preview.tax_total, preview.total) == (D("24.50"), D("2.45"), D("26.95"))
    change = change_apply(subscription=sub, quantity=3, acting_user=platform_superuser, now=NOV_16)
    sub.refresh_from_db()
    assert sub.quantity == 3 and change.kind == SubscriptionChange.Kind.QUANTITY
    assert change.invoice.total == D("26.95")


def test_quantity_change_3_to_2_seats_is_a_downgrade_at_renewal(make_subscription, acme_au, platform_superuser):
    sub = make_subscription(acme_au, quantity=3)
    change = change_apply(subscription=sub, quantity=2, acting_user=platform_superuser, now=NOV_16)
    assert change.status == ChangeStatus.SCHEDULED and change.effective_at == DEC_1


def test_inclusive_vat_upgrade_halfway_in_gbp_rounds_tax_per_line(make_subscription, acme, gb_country, plan_factory):
    acme.country = "GB"
    acme.save(update_fields=["country"])
    low = plan_factory("gb-low", currency="GBP", price_monthly=D("49.00"))
    high = plan_factory("gb-high", currency="GBP", price_monthly=D("149.00"))
    sub = make_subscription(acme, plan=low)
    preview = change_preview(subscription=sub, plan=high, now=NOV_16)
    # gross -24.50 → VAT -4.08, net -20.42; gross 74.50 → VAT 12.42, net 62.08
    assert _amounts(preview) == [(D("-20.42"), D("-4.08"), D("-24.50")), (D("62.08"), D("12.42"), D("74.50"))]
    assert (preview.subtotal, preview.tax_total, preview.total) == (D("41.66"), D("8.34"), D("50.00"))


@pytest.mark.parametrize("status", ["trialing"])
def test_changes_during_a_trial_apply_at_once_and_charge_nothing(make_subscription, acme_au, professional, status):
    sub = make_subscription(acme_au, status=status)
    preview = change_preview(subscription=sub, plan=professional, now=NOV_16)
    assert (preview.immediate, preview.total, preview.rule) == (True, 0, ProrationRule.IMMEDIATE_NO_PRORATION)
