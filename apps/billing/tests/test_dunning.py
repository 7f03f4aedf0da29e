"""Dunning: retries on the configured schedule, suspension through the tenant lifecycle after the last
failure, and back to active (tenant reactivated) once the invoice is paid."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail

from apps.billing import dunning, invoices, payments, tasks
from apps.billing.models import AlertKind, BillingAlert, Payment
from apps.tenancy import lifecycle
from apps.tenancy.models import PlanStatus, Tenant

from .test_payments import T0, billed, card_add, open_invoice, subscription_make

pytestmark = pytest.mark.django_db


def _fail_through_all_retries(invoice, run=dunning.dunning_run):
    """First attempt at T0, then the retries at +1, +3, +5 and +7 days after each failure."""
    payments.payment_attempt(invoice=invoice, now=T0)
    when = T0
    for days in [1, 3, 5, 7]:
        assert run(now=when + timedelta(days=days) - timedelta(seconds=1))["attempted"] == 0  # not yet due
        when += timedelta(days=days)
        assert run(now=when)["failed"] == 1
    return when


def test_dunning_to_suspension_and_back_after_payment(acme, billing_staff, django_capture_on_commit_callbacks):
    billed(acme)
    card_add(acme, last4="0002")
    subscription = subscription_make(acme)
    invoice = open_invoice(subscription)
    with django_capture_on_commit_callbacks(execute=True):
        last = _fail_through_all_retries(invoice)
    invoice.refresh_from_db()
    subscription.refresh_from_db()
    acme.refresh_from_db()
    assert invoice.payment_attempts == 5 and invoice.next_payment_attempt_at is None
    assert subscription.status == "suspended" and acme.plan_status == PlanStatus.SUSPENDED
    assert acme.status == Tenant.Status.SUSPENDED
    assert acme.suspension_reason == f"Payment overdue: invoice {invoice.number}"
    assert BillingAlert.objects.filter(tenant=acme, kind=AlertKind.PAYMENT_FAILED).count() == 5
    # Five payment failures (the last says the account is suspended), then the suspension notice itself.
    assert len(mail.outbox) == 6 and all("suspended" in m.subject.lower() for m in mail.outbox[-2:])
    assert dunning.dunning_run(now=last + timedelta(days=30))["attempted"] == 0  # no more retries

    card_add(acme, last4="4242")
    payment = payments.invoice_pay_now(invoice, billing_staff, now=last + timedelta(days=1))
    subscription.refresh_from_db()
    acme.refresh_from_db()
    assert payment.status == "succeeded"
    assert subscription.status == "active" and acme.status == Tenant.Status.ACTIVE
    assert acme.plan_status == PlanStatus.ACTIVE and acme.suspension_reason == ""


def test_a_retry_that_succeeds_ends_past_due(acme):
    billed(acme)
    card_add(acme, last4="0002")
    subscription = subscription_make(acme)
    invoice = open_invoice(subscription)
    payments.payment_attempt(invoice=invoice, now=T0)
    card_add(acme, last4="4242")
    result = tasks.dunning(now=(T0 + timedelta(days=1)).isoformat())
    subscription.refresh_from_db()
    assert result["succeeded"] == 1 and subscription.status == "active"


def test_paid_elsewhere_is_recovered_by_the_hourly_sweep(acme):
    """Staff record a payment (or a webhook says paid) without going through payment_attempt."""
    billed(acme)
    card_add(acme, last4="0002")
    subscription = subscription_make(acme)
    invoice = open_invoice(subscription)
    last = _fail_through_all_retries(invoice)
    transfer = Payment.objects.create(tenant=acme, invoice=invoice, amount=Decimal("100.00"), currency="AUD",
                                      status="succeeded", provider="manual", idempotency_key="bank:1")  # fmt: skip
    invoices.invoice_mark_paid(invoice=invoice, payment=transfer, now=last)
    assert dunning.dunning_run(now=last + timedelta(hours=1))["recovered"] == 1
    subscription.refresh_from_db()
    acme.refresh_from_db()
    assert subscription.status == "active" and acme.status == Tenant.Status.ACTIVE


def test_a_staff_suspension_is_not_undone_by_a_payment(acme, billing_staff):
    billed(acme)
    card_add(acme, last4="0002")
    subscription = subscription_make(acme)
    invoice = open_invoice(subscription)
    payments.payment_attempt(invoice=invoice, now=T0)
    lifecycle.tenant_suspend(tenant=acme, acting_user=billing_staff, reason="Abuse report")
    card_add(acme, last4="4242")
    payments.invoice_pay_now(invoice, billing_staff, now=T0 + timedelta(hours=2))
    subscription.refresh_from_db()
    acme.refresh_from_db()
    assert subscription.status == "active"
    assert acme.status == Tenant.Status.SUSPENDED and acme.suspension_reason == "Abuse report"


def test_suspension_when_the_tenant_is_already_suspended_keeps_the_lifecycle_untouched(acme, billing_staff):
    billed(acme)
    card_add(acme, last4="0002")
    subscription = subscription_make(acme)
    invoice = open_invoice(subscription)
    lifecycle.tenant_suspend(tenant=acme, acting_user=billing_staff, reason="Abuse report")
    _fail_through_all_retries(invoice)
    subscription.refresh_from_db()
    acme.refresh_from_db()
    assert subscription.status == "suspended" and acme.suspension_reason == "Abuse report"


def test_an_immediate_upgrades_proration_invoice_is_charged_by_the_next_dunning_pass(acme):
    from apps.billing.models import Invoice
    from apps.billing.services import change_apply

    from .test_payments import plan_make

    tenant = billed(acme)
    subscription = subscription_make(tenant)
    card_add(tenant)
    bigger = plan_make("brun-bigger", price="200.00")
    halfway = T0 + timedelta(days=15, hours=12)  # March has 31 days: half of it is left
    change = change_apply(subscription=subscription, plan=bigger, acting_user=None, now=halfway)
    invoice = Invoice.objects.get(idempotency_key=f"change:{change.pk}")
    assert invoice.status == "open" and invoice.billing_reason == "proration" and invoice.payment_attempts == 0

    counts = dunning.dunning_run(now=halfway + timedelta(minutes=5))

    invoice.refresh_from_db()
    assert counts["attempted"] == 1 and counts["succeeded"] == 1
    assert invoice.status == "paid" and Payment.objects.filter(invoice=invoice, status="succeeded").count() == 1
