"""Customers who pay by bank transfer (manual provider): staff mark the invoice paid in the admin."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from apps.audit.models import AuditEvent
from apps.billing.invoices import invoice_issue_for_period
from apps.billing.models import Invoice, InvoiceStatus, Payment, PaymentStatus, Provider, SubscriptionStatus
from apps.billing.payments import payment_attempt

from .conftest import DEC_1, NOV_1

pytestmark = pytest.mark.django_db

INVOICES = "/admin/billing/invoice/"


@pytest.fixture
def overdue_invoice(acme_subscription) -> Invoice:
    """Acme's manual invoice, charged without a payment method: failed once, the subscription past due."""
    invoice = invoice_issue_for_period(subscription=acme_subscription, period_start=NOV_1, period_end=DEC_1, now=NOV_1)[
        0
    ]
    failed = payment_attempt(invoice=invoice, now=NOV_1)
    assert failed.failure_code == "no_payment_method"
    acme_subscription.refresh_from_db()
    assert acme_subscription.status == SubscriptionStatus.PAST_DUE
    return invoice


def _mark_paid(client, invoice: Invoice, reference: str | None):
    data = {"action": "mark_paid_offline", ACTION_CHECKBOX_NAME: [invoice.pk]}
    if reference is not None:
        data |= {"confirm": "yes", "reason": reference}
    return client.post(INVOICES, data)


def test_staff_mark_a_transfer_paid_and_the_subscription_recovers(platform_client, billing_staff, overdue_invoice):
    platform_client.force_login(billing_staff)
    confirm = _mark_paid(platform_client, overdue_invoice, None)
    assert confirm.status_code == 200 and "Bank reference" in confirm.content.decode()

    assert _mark_paid(platform_client, overdue_invoice, "WBC 2026-11-03 ACME").status_code == 302

    overdue_invoice.refresh_from_db()
    assert overdue_invoice.status == InvoiceStatus.PAID and overdue_invoice.amount_paid == overdue_invoice.total
    payment = Payment.objects.get(invoice=overdue_invoice, status=PaymentStatus.SUCCEEDED)
    assert (payment.provider, payment.amount) == (Provider.MANUAL, overdue_invoice.total)
    overdue_invoice.subscription.refresh_from_db()
    assert overdue_invoice.subscription.status == SubscriptionStatus.ACTIVE
    event = AuditEvent.objects.get(action="billing.invoice_paid_offline")
    assert event.actor_id == billing_staff.pk and event.after["reference"] == "WBC 2026-11-03 ACME"


def test_marking_twice_pays_once(platform_client, billing_staff, overdue_invoice):
    platform_client.force_login(billing_staff)
    _mark_paid(platform_client, overdue_invoice, "ref 1")
    response = _mark_paid(platform_client, overdue_invoice, "ref 1")
    assert response.status_code == 302
    assert Payment.objects.filter(invoice=overdue_invoice, status=PaymentStatus.SUCCEEDED).count() == 1
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("already paid" in m for m in messages)


def test_a_reference_is_required(platform_client, billing_staff, overdue_invoice):
    platform_client.force_login(billing_staff)
    response = _mark_paid(platform_client, overdue_invoice, "")
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    overdue_invoice.refresh_from_db()
    assert overdue_invoice.status == InvoiceStatus.OPEN


def test_support_staff_cannot_mark_paid(platform_client, support_staff, overdue_invoice):
    platform_client.force_login(support_staff)
    assert _mark_paid(platform_client, overdue_invoice, "ref").status_code == 403
    overdue_invoice.refresh_from_db()
    assert overdue_invoice.status == InvoiceStatus.OPEN
