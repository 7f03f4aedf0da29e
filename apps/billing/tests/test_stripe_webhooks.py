"""POST /billing/webhooks/stripe/: signatures, duplicates, out-of-order events and the handlers."""

import json
import logging
import time
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.billing.models import (
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    ProcessedWebhookEvent,
    Provider,
    ProviderCustomer,
    SubscriptionStatus,
    WebhookRefusal,
)
from tests.stripe_stub import event_payload, signature_header

from .stripe_helpers import NOW, invoice_make, plan_make, subscription_make

pytestmark = pytest.mark.django_db
SECRET = "whsec_test_" + "a" * 32
URL = reverse("billing-webhooks:stripe", urlconf="config.urls.platform")


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.BILLING_STRIPE_WEBHOOK_SECRET = SECRET


def _post(client, payload: str, *, secret: str = SECRET, header: str | None = None):
    signature = header if header is not None else signature_header(payload, secret)
    return client.post(URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def _subscription_object(sub_id: str, *, status: str = "active", start: int, end: int, **extra) -> dict:
    return {
        "id": sub_id,
        "object": "subscription",
        "status": status,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "ended_at": None,
        "trial_end": None,
        "livemode": False,
        "items": {"object": "list", "data": [{"id": "si_1", "current_period_start": start, "current_period_end": end}]},
        **extra,
    }


def _invoice_object(invoice, *, amount: int = 5390) -> dict:
    return {
        "id": "in_1QpaidTest",
        "object": "invoice",
        "amount_paid": amount,
        "amount_due": amount,
        "currency": "aud",
        "payment_intent": "pi_1QpaidTest",
        "metadata": {"invoice_uuid": str(invoice.uuid)},
        "livemode": False,
    }


def test_good_signature_marks_invoice_paid(platform_client, acme):
    invoice = invoice_make(acme, total=Decimal("53.90"))

    response = _post(platform_client, event_payload("invoice.paid", _invoice_object(invoice)))

    assert (response.status_code, response.content) == (200, b"processed")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.provider_invoice_id) == (
        InvoiceStatus.PAID,
        Decimal("53.90"),
        "in_1QpaidTest",
    )
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.status, payment.provider_payment_id, payment.amount) == (
        PaymentStatus.SUCCEEDED,
        "pi_1QpaidTest",
        Decimal("53.90"),
    )
    assert ProcessedWebhookEvent.objects.get().outcome == "processed"


@pytest.mark.parametrize(
    "header",
    [
        "",
        "t=1700000000,v1=" + "0" * 64,
        None,  # signed with another secret
    ],
)
def test_bad_signature_400_and_nothing_written(platform_client, acme, caplog, header):
    invoice = invoice_make(acme)
    payload = event_payload("invoice.paid", _invoice_object(invoice))
    if header is None:
        header = signature_header(payload, "whsec_someone_else")

    with caplog.at_level(logging.WARNING, logger="apps.billing.webhooks"):
        response = _post(platform_client, payload, header=header)

    assert response.status_code == 400
    assert "Stripe webhook refused" in caplog.text
    assert WebhookRefusal.objects.get().provider == "stripe"  # recorded for staff, the body not kept
    assert not ProcessedWebhookEvent.objects.exists()
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


def test_tampered_payload_refused(platform_client, acme):
    invoice = invoice_make(acme)
    payload = event_payload("invoice.paid", _invoice_object(invoice))
    header = signature_header(payload, SECRET)

    response = _post(platform_client, payload.replace("5390", "1"), header=header)

    assert response.status_code == 400
    assert not ProcessedWebhookEvent.objects.exists()


def test_no_secret_configured_refuses_everything(platform_client, settings):
    settings.BILLING_STRIPE_WEBHOOK_SECRET = ""
    settings.DJSTRIPE_WEBHOOK_SECRET = ""
    payload = event_payload("customer.updated", {"id": "cus_x", "object": "customer"})

    assert _post(platform_client, payload, secret="").status_code == 400


def test_get_not_allowed(platform_client):
    assert platform_client.get(URL).status_code == 405


def test_duplicate_delivery_processed_once(platform_client, acme):
    invoice = invoice_make(acme)
    payload = event_payload("invoice.paid", _invoice_object(invoice), event_id="evt_dup_1")

    first = _post(platform_client, payload)
    second = _post(platform_client, payload)

    assert (first.content, second.content) == (b"processed", b"duplicate")
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert ProcessedWebhookEvent.objects.filter(event_id="evt_dup_1").count() == 1


def test_paid_and_payment_succeeded_for_one_invoice_pay_once(platform_client, acme):
    invoice = invoice_make(acme)
    obj = _invoice_object(invoice)

    _post(platform_client, event_payload("invoice.paid", obj))
    response = _post(platform_client, event_payload("invoice.payment_succeeded", obj))

    assert response.content == b"processed"
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_unknown_type_ignored_and_recorded(platform_client):
    response = _post(platform_client, event_payload("charge.dispute.created", {"id": "dp_1", "object": "dispute"}))

    assert (response.status_code, response.content) == (200, b"ignored")
    assert ProcessedWebhookEvent.objects.get().outcome == "ignored"


def test_subscription_updated_applies_status_and_period(platform_client, acme):
    subscription = subscription_make(acme, plan_make(), provider_subscription_id="sub_1Qtest")
    start, end = int(NOW.timestamp()) + 86400 * 31, int(NOW.timestamp()) + 86400 * 59
    obj = _subscription_object("sub_1Qtest", status="past_due", start=start, end=end, cancel_at_period_end=True)

    response = _post(platform_client, event_payload("customer.subscription.updated", obj))

    assert response.content == b"processed"
    subscription.refresh_from_db()
    acme.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PAST_DUE
    assert subscription.cancel_at_period_end is True
    assert int(subscription.current_period_end.timestamp()) == end
    assert acme.plan_status == "past_due"


def test_out_of_order_older_update_is_stale(platform_client, acme):
    subscription = subscription_make(acme, plan_make(), provider_subscription_id="sub_1Qorder")
    start, end = int(NOW.timestamp()), int(NOW.timestamp()) + 86400 * 31
    now = int(time.time())
    newer = _subscription_object("sub_1Qorder", status="past_due", start=start, end=end)
    older = _subscription_object("sub_1Qorder", status="active", start=start, end=end)

    assert _post(platform_client, event_payload("customer.subscription.updated", newer, created=now)).content == (
        b"processed"
    )
    response = _post(platform_client, event_payload("customer.subscription.updated", older, created=now - 60))

    assert response.content == b"stale"
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PAST_DUE
    assert list(ProcessedWebhookEvent.objects.order_by("event_created").values_list("outcome", flat=True)) == [
        "stale",
        "processed",
    ]


def test_subscription_deleted_cancels(platform_client, acme):
    subscription = subscription_make(acme, plan_make(), provider_subscription_id="sub_1Qgone")
    start, end = int(NOW.timestamp()), int(NOW.timestamp()) + 86400 * 31
    obj = _subscription_object("sub_1Qgone", status="canceled", start=start, end=end, ended_at=start + 3600)

    assert _post(platform_client, event_payload("customer.subscription.deleted", obj)).content == b"processed"

    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELLED
    assert subscription.ended_at is not None


def test_subscription_event_for_unknown_subscription_ignored(platform_client):
    obj = _subscription_object("sub_nobody", start=1, end=2)

    assert _post(platform_client, event_payload("customer.subscription.updated", obj)).content == b"ignored"


def test_payment_failed_records_failure_and_moves_to_past_due(platform_client, acme):
    subscription = subscription_make(acme, plan_make(), provider_subscription_id="sub_1Qfail")
    invoice = invoice_make(acme, subscription=subscription)
    obj = {**_invoice_object(invoice), "attempt_count": 1, "next_payment_attempt": int(time.time()) + 86400 * 3}

    response = _post(platform_client, event_payload("invoice.payment_failed", obj))

    assert response.content == b"processed"
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.status, payment.provider) == (PaymentStatus.FAILED, Provider.STRIPE)
    invoice.refresh_from_db()
    subscription.refresh_from_db()
    assert (invoice.status, invoice.payment_attempts) == (InvoiceStatus.OPEN, 1)
    assert invoice.next_payment_attempt_at is not None
    assert subscription.status == SubscriptionStatus.PAST_DUE


def _card_object(pm_id: str, customer: str, last4: str = "4242") -> dict:
    return {
        "id": pm_id,
        "object": "payment_method",
        "type": "card",
        "customer": customer,
        "card": {"brand": "visa", "last4": last4, "exp_month": 8, "exp_year": 2031},
        "livemode": False,
    }


def test_payment_method_attached_upserts_card_and_customer_updated_sets_default(platform_client, acme):
    ProviderCustomer.objects.create(tenant=acme, provider=Provider.STRIPE, provider_customer_id="cus_1Qacme")

    _post(platform_client, event_payload("payment_method.attached", _card_object("pm_1", "cus_1Qacme")))
    _post(platform_client, event_payload("payment_method.attached", _card_object("pm_2", "cus_1Qacme", "4444")))
    first = PaymentMethod.objects.get(provider_payment_method_id="pm_1")
    second = PaymentMethod.objects.get(provider_payment_method_id="pm_2")
    assert (first.tenant, first.brand, first.last4, first.exp_month, first.exp_year) == (acme, "visa", "4242", 8, 2031)
    assert (first.is_default, second.is_default) == (True, False)

    customer = {"id": "cus_1Qacme", "object": "customer", "invoice_settings": {"default_payment_method": "pm_2"}}
    assert _post(platform_client, event_payload("customer.updated", customer)).content == b"processed"

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)


def test_payment_method_for_unknown_customer_ignored(platform_client):
    payload = event_payload("payment_method.attached", _card_object("pm_9", "cus_stranger"))

    assert _post(platform_client, payload).content == b"ignored"
    assert not PaymentMethod.objects.exists()


def test_event_body_is_json_and_signature_covers_it():
    payload = event_payload("invoice.paid", {"id": "in_1", "object": "invoice"}, created=1700000000)
    assert json.loads(payload)["created"] == 1700000000
    assert signature_header(payload, SECRET, timestamp=1).startswith("t=1,v1=")
