"""Subscription services: create, bad input refused (coded, nothing written), cancel/resume, audit, tenant sync."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from apps.accounts.models import Membership
from apps.audit.models import AuditEvent
from apps.billing.models import Coupon, Invoice, Subscription, SubscriptionChange
from apps.billing.services import (
    change_apply,
    change_preview,
    subscription_cancel,
    subscription_create,
    subscription_resume,
    subscription_status_set,
)
from apps.billing.tests.conftest import NOV_1, NOV_16
from apps.tenancy.models import PlanStatus
from tests.factories import MembershipFactory

D = Decimal


def _actions(tenant) -> list[str]:
    return list(AuditEvent.objects.filter(chain=str(tenant.pk)).values_list("action", flat=True))


def _code(error: ValidationError, field: str) -> str:
    return str(error.error_dict[field][0].code)


def test_create_with_a_trial_is_trialing_and_the_tenant_follows(acme_au, plan_factory, platform_superuser):
    plan = plan_factory("trial-plan", price_monthly=D("49.00"), trial_days=14)
    sub = subscription_create(tenant=acme_au, plan=plan, acting_user=platform_superuser, now=NOV_1)
    assert (sub.status, sub.trial_end, sub.current_period_start) == ("trialing", NOV_1 + timedelta(days=14), NOV_1)
    assert sub.current_period_end.month == 12 and sub.currency == "AUD"
    acme_au.refresh_from_db()
    assert (acme_au.plan, acme_au.plan_status) == (plan, PlanStatus.TRIAL)
    assert "billing.subscription_created" in _actions(acme_au)
    assert sub.changes.get().kind == SubscriptionChange.Kind.CREATED


def test_create_without_a_trial_is_active_with_a_coupon(acme_au, starter, platform_superuser):
    Coupon.objects.create(code="HELLO", name="Hello", discount_type="percent", percent_off=D("10"))
    sub = subscription_create(tenant=acme_au, plan=starter, billing_cycle="annual", quantity=2, coupon_code="HELLO",
                              acting_user=platform_superuser, now=NOV_1)  # fmt: skip
    assert (sub.status, sub.billing_cycle, sub.quantity, sub.current_period_end.year) == ("active", "annual", 2, 2027)
    assert sub.coupon_redemptions.get().coupon.code == "HELLO"
    acme_au.refresh_from_db()
    assert acme_au.plan_status == PlanStatus.ACTIVE


def test_a_second_live_subscription_is_refused(acme_subscription, starter, platform_superuser):
    with pytest.raises(ValidationError) as error:
        subscription_create(tenant=acme_subscription.tenant, plan=starter, acting_user=platform_superuser)
    assert _code(error.value, NON_FIELD_ERRORS) == "subscription_exists"


def _nothing_written(sub: Subscription, before_changes: int) -> None:
    fresh = Subscription.objects.get(pk=sub.pk)
    assert (fresh.plan_id, fresh.billing_cycle, fresh.quantity) == (sub.plan_id, sub.billing_cycle, sub.quantity)
    assert SubscriptionChange.objects.filter(subscription=sub).count() == before_changes
    assert not Invoice.objects.filter(subscription=sub).exists()


def test_change_to_an_inactive_plan_is_refused_and_nothing_is_written(
    acme_subscription, plan_factory, platform_superuser
):
    retired = plan_factory("retired", price_monthly=D("99.00"), is_active=False)
    with pytest.raises(ValidationError) as error:
        change_apply(subscription=acme_subscription, plan=retired, acting_user=platform_superuser, now=NOV_16)
    assert _code(error.value, "plan") == "plan_inactive"
    _nothing_written(acme_subscription, 0)


def test_change_to_a_plan_in_another_currency_is_refused(acme_subscription, plan_factory, platform_superuser):
    usd = plan_factory("usd-plan", currency="USD", price_monthly=D("99.00"))
    with pytest.raises(ValidationError) as error:
        change_apply(subscription=acme_subscription, plan=usd, acting_user=platform_superuser, now=NOV_16)
    assert _code(error.value, "plan") == "currency_mismatch"
    _nothing_written(acme_subscription, 0)


def test_quantity_below_the_active_members_is_refused_and_nothing_is_written(
    make_subscription, acme_au, platform_superuser
):
    for _ in range(3):
        MembershipFactory(tenant=acme_au)
    MembershipFactory(tenant=acme_au, status=Membership.Status.SUSPENDED)  # not counted
    sub = make_subscription(acme_au, quantity=4)
    members = Membership.objects.filter(tenant=acme_au, status="active").count()
    with pytest.raises(ValidationError) as error:
        change_apply(subscription=sub, quantity=members - 1, acting_user=platform_superuser, now=NOV_16)
    assert _code(error.value, "quantity") == "quantity_below_members"
    _nothing_written(sub, 0)
    change_apply(subscription=sub, quantity=members, acting_user=platform_superuser, now=NOV_16)  # exactly enough


def test_no_change_and_zero_seats_are_refused(acme_subscription, starter):
    with pytest.raises(ValidationError) as error:
        change_preview(subscription=acme_subscription, plan=starter, billing_cycle="monthly", quantity=1)
    assert _code(error.value, NON_FIELD_ERRORS) == "no_change"
    with pytest.raises(ValidationError) as error:
        change_preview(subscription=acme_subscription, quantity=0)
    assert _code(error.value, "quantity") == "quantity_invalid"


def test_a_failing_proration_invoice_rolls_the_whole_change_back(
    acme_subscription, professional, platform_superuser, monkeypatch
):
    def boom(**kwargs):
        raise RuntimeError("provider down")

    monkeypatch.setattr("apps.billing.services.invoice_issue_for_change", boom)
    with pytest.raises(RuntimeError):
        change_apply(subscription=acme_subscription, plan=professional, acting_user=platform_superuser, now=NOV_16)
    _nothing_written(acme_subscription, 0)
    acme_subscription.tenant.refresh_from_db()
    assert acme_subscription.tenant.plan_id != professional.pk


def test_changes_are_audited_in_the_tenant_chain(acme_subscription, professional, platform_superuser):
    change_apply(subscription=acme_subscription, plan=professional, acting_user=platform_superuser, now=NOV_16)
    actions = _actions(acme_subscription.tenant)
    assert "billing.subscription_changed" in actions and "billing.invoice_issued" in actions


def test_a_new_change_replaces_a_scheduled_one(make_subscription, acme_au, professional, starter, plan_factory,
                                               platform_superuser):  # fmt: skip
    sub = make_subscription(acme_au, plan=professional)
    first = change_apply(subscription=sub, plan=starter, acting_user=platform_superuser, now=NOV_16)
    second = change_apply(subscription=sub, quantity=2, acting_user=platform_superuser, now=NOV_16)
    first.refresh_from_db()
    assert first.status == "cancelled" and second.kind == "quantity"
    assert "billing.subscription_change_scheduled" in _actions(acme_au)


def test_cancel_at_period_end_then_resume(acme_subscription, platform_superuser):
    sub = subscription_cancel(subscription=acme_subscription, acting_user=platform_superuser)
    assert (sub.status, sub.cancel_at_period_end) == ("active", True)
    sub = subscription_resume(subscription=acme_subscription, acting_user=platform_superuser)
    assert (sub.cancel_at_period_end, sub.cancelled_at) == (False, None)
    assert {"billing.subscription_cancelled", "billing.subscription_resumed"} <= set(_actions(sub.tenant))


def test_cancel_now_ends_the_subscription_and_the_tenant_plan_status(acme_subscription, platform_superuser):
    sub = subscription_cancel(subscription=acme_subscription, at_period_end=False, acting_user=platform_superuser)
    assert sub.status == "cancelled" and sub.ended_at
    sub.tenant.refresh_from_db()
    assert sub.tenant.plan_status == PlanStatus.CANCELLED
    with pytest.raises(ValidationError) as error:
        subscription_cancel(subscription=acme_subscription, acting_user=platform_superuser)
    assert _code(error.value, NON_FIELD_ERRORS) == "already_cancelled"
    with pytest.raises(ValidationError):
        subscription_resume(subscription=acme_subscription, acting_user=platform_superuser)


def test_status_set_mirrors_past_due_on_the_tenant(acme_subscription):
    subscription_status_set(subscription=acme_subscription, status="past_due", reason="payment failed")
    acme_subscription.tenant.refresh_from_db()
    assert (acme_subscription.status, acme_subscription.tenant.plan_status) == ("past_due", PlanStatus.PAST_DUE)
