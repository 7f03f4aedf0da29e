"""Payment attempts through the manual gateway: success, decline, no payment method, already paid."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from apps.billing import invoices, payments
from apps.billing.models import AlertKind, BillingAlert, Invoice, Payment, PaymentMethod, Subscription
from apps.billing.providers import UnknownProvider, gateway_for
from apps.tenancy.models import Plan, PlanStatus, Tenant

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, tzinfo=UTC)


# -- helpers shared with the other run/dunning/alert tests ---------------------------------------


def plan_make(name: str = "brun-pro", price: str = "100.00", trial_days: int = 0) -> Plan:
    return Plan.objects.get_or_create(
        name=name,
        defaults={"display_name": name.title(), "currency": "AUD", "price_monthly": Decimal(price),
                  "price_quarterly": Decimal(price) * 3, "price_annual": Decimal(price) * 12,
                  "trial_days": trial_days, "max_users": 10},
    )[0]  # fmt: skip


def billed(tenant: Tenant, email: str = "billing@acme.test") -> Tenant:
    Tenant.objects.filter(pk=tenant.pk).update(billing_email=email, country="")
    tenant.refresh_from_db()
    return tenant


def subscription_make(
    tenant: Tenant, *, start: datetime = T0, status: str = "active", trial_end: datetime | None = None,
    cancel_at_period_end: bool = False,
) -> Subscription:  # fmt: skip
    return Subscription.objects.create(
        tenant=tenant, plan=plan_make(), billing_cycle="monthly", quantity=1, currency="AUD", status=status,
        trial_end=trial_end, current_period_start=start, current_period_end=datetime(2026, 4, 1, tzinfo=UTC)
        if start == T0 else start + timedelta(days=31), cancel_at_period_end=cancel_at_period_end,
    )  # fmt: skip


def card_add(tenant: Tenant, last4: str = "4242", exp_month: int = 12, exp_year: int = 2030) -> PaymentMethod:
    PaymentMethod.objects.filter(tenant=tenant, is_default=True).update(is_default=False)
    return PaymentMethod.objects.create(tenant=tenant, provider="manual", brand="visa", last4=last4,
                                        exp_month=exp_month, exp_year=exp_year, is_default=True)  # fmt: skip


def open_invoice(subscription: Subscription, now: datetime = T0) -> Invoice:
    invoice, _ = invoices.invoice_issue_for_period(
        subscription=subscription, period_start=subscription.current_period_start,
        period_end=subscription.current_period_end, now=now,
    )  # fmt: skip
    return invoice


# -- tests -------------------------------------------------------------------------------------------


def test_gateway_registry_knows_manual_and_refuses_unknown():
    assert gateway_for("manual").name == "manual"
    with pytest.raises(UnknownProvider):
        gateway_for("no-such-provider")


def test_successful_attempt_pays_the_invoice(acme):
    billed(acme)
    card_add(acme)
    invoice = open_invoice(subscription_make(acme))
    payment = payments.payment_attempt(invoice=invoice, now=T0)
    invoice.refresh_from_db()
    assert payment.status == "succeeded" and payment.provider == "manual"
    assert payment.idempotency_key == f"inv:{invoice.pk}:attempt:1" and payment.provider_payment_id
    assert payment.amount == invoice.total == Decimal("100.00")
    assert invoice.status == "paid" and invoice.payment_attempts == 1 and invoice.next_payment_attempt_at is None


def test_paying_an_already_paid_invoice_is_refused(acme, caplog):
    billed(acme)
    card_add(acme)
    invoice = open_invoice(subscription_make(acme))
    payments.payment_attempt(invoice=invoice, now=T0)
    with pytest.raises(ValidationError) as refused:
        payments.payment_attempt(invoice=invoice, now=T0)
    assert refused.value.error_dict["invoice"][0].code == "invoice_already_paid"
    assert "already paid" in caplog.text
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_declined_card_fails_schedules_a_retry_and_tells_the_billing_email(acme, django_capture_on_commit_callbacks):
    billed(acme)
    card_add(acme, last4="0002")
    subscription = subscription_make(acme)
    invoice = open_invoice(subscription)
    with django_capture_on_commit_callbacks(execute=True):
        payment = payments.payment_attempt(invoice=invoice, now=T0)
    invoice.refresh_from_db()
    subscription.refresh_from_db()
    acme.refresh_from_db()
    assert (payment.status, payment.failure_code) == ("failed", "card_declined")
    assert invoice.status == "open" and invoice.payment_attempts == 1
    assert invoice.next_payment_attempt_at == T0 + timedelta(days=1)
    assert subscription.status == "past_due" and acme.plan_status == PlanStatus.PAST_DUE
    alert = BillingAlert.objects.get(tenant=acme, kind=AlertKind.PAYMENT_FAILED)
    assert alert.dedup_key == f"payment_failed:inv:{invoice.pk}:attempt:1"
    assert [m.to for m in mail.outbox] == [["billing@acme.test"]]
    assert invoice.number in mail.outbox[0].subject and "try again" in mail.outbox[0].body


def test_no_payment_method_fails_with_its_code(acme):
    billed(acme)
    invoice = open_invoice(subscription_make(acme))
    payment = payments.payment_attempt(invoice=invoice, now=T0)
    assert (payment.status, payment.failure_code) == ("failed", "no_payment_method")


def test_retry_schedule_comes_from_settings(acme, settings):
    settings.BILLING_DUNNING_RETRY_DAYS = [2]
    billed(acme)
    card_add(acme, last4="0002")
    invoice = open_invoice(subscription_make(acme))
    payments.payment_attempt(invoice=invoice, now=T0)
    invoice.refresh_from_db()
    assert invoice.next_payment_attempt_at == T0 + timedelta(days=2)
    assert payments.next_attempt_at(attempts=2, now=T0) is None


def test_pay_now_retries_at_once_with_a_new_key(acme, billing_staff):
    billed(acme)
    card_add(acme, last4="0002")
    invoice = open_invoice(subscription_make(acme))
    payments.payment_attempt(invoice=invoice, now=T0)
    card_add(acme, last4="4242")
    payment = payments.invoice_pay_now(invoice, billing_staff, now=T0 + timedelta(hours=1))
    assert payment.status == "succeeded" and payment.idempotency_key.endswith(":attempt:2")


def test_void_invoice_cannot_be_charged(acme):
    billed(acme)
    card_add(acme)
    invoice = open_invoice(subscription_make(acme))
    Invoice.objects.filter(pk=invoice.pk).update(status="void")
    with pytest.raises(ValidationError) as refused:
        payments.payment_attempt(invoice=invoice, now=T0)
    assert refused.value.error_dict["invoice"][0].code == "invoice_not_open"
