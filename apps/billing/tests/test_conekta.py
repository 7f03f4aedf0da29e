"""Conekta, the second provider, against the local stub (bin/conekta_stub.py) through its official client:
cards from tokens, charges (paid and declined), webhooks that settle, refuse bad signatures and ignore
replays; staff choose the provider in the admin; outsiders are refused."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.billing import payments
from apps.billing.models import (
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    ProcessedWebhookEvent,
    Provider,
    ProviderCustomer,
    Subscription,
    WebhookRefusal,
)
from apps.billing.portal.services import payment_method_add_from_token
from apps.billing.providers import gateway_for

from .stripe_helpers import invoice_make, plan_make, subscription_make

pytestmark = pytest.mark.django_db
URL = reverse("billing-webhooks:provider", kwargs={"provider": "conekta"}, urlconf="config.urls.platform")
CARD_NEW = "/manage/billing/payment-methods/new/"


@pytest.fixture
def conekta_acme(acme, conekta_stub) -> Subscription:
    """Acme pays through Conekta (its live subscription's provider), in MXN."""
    acme.billing_email = "billing@acme.test"
    acme.save(update_fields=["billing_email"])
    return subscription_make(acme, plan_make("conekta-growth"), provider=Provider.CONEKTA)


def _invoice(tenant, subscription=None, **fields):
    return invoice_make(tenant, currency="MXN", provider=Provider.CONEKTA, subscription=subscription, **fields)


def _card(tenant, token: str = "tok_test_visa_4242") -> PaymentMethod:  # noqa: S107 - a test token
    return payment_method_add_from_token(tenant=tenant, token=token, acting_user=None)


def _post(client, body: bytes, digest: str | None):
    headers = {} if digest is None else {"HTTP_DIGEST": digest}
    return client.post(URL, data=body, content_type="application/json", **headers)


def test_a_token_becomes_a_card_of_the_tenants_conekta_customer(conekta_acme, conekta_stub):
    method = _card(conekta_acme.tenant)

    customer = ProviderCustomer.objects.get(tenant=conekta_acme.tenant, provider=Provider.CONEKTA)
    assert customer.provider_customer_id in conekta_stub.customers
    assert (method.provider, method.brand, method.last4, method.exp_month, method.exp_year, method.is_default) == (
        Provider.CONEKTA, "visa", "4242", 12, 2030, True,
    )  # fmt: skip
    assert method.provider_payment_method_id.startswith("src_")
    _card(conekta_acme.tenant, "tok_test_mastercard_4444")
    assert ProviderCustomer.objects.filter(provider=Provider.CONEKTA).count() == 1  # one customer per tenant


def test_a_charge_pays_the_invoice_with_one_order_even_when_the_attempt_is_repeated(conekta_acme, conekta_stub):
    method = _card(conekta_acme.tenant)
    invoice = _invoice(conekta_acme.tenant, conekta_acme, total=Decimal("539.00"))

    payment = payments.payment_attempt(invoice=invoice)

    invoice.refresh_from_db()
    assert (payment.status, payment.provider, invoice.status) == (
        PaymentStatus.SUCCEEDED,
        "conekta",
        InvoiceStatus.PAID,
    )
    order = conekta_stub.orders[payment.provider_payment_id]
    assert (order["amount"], order["currency"], order["payment_status"]) == (53900, "MXN", "paid")
    assert order["metadata"]["invoice_uuid"] == str(invoice.uuid)
    assert order["charges"]["data"][0]["payment_method"]["payment_source_id"] == method.provider_payment_method_id
    # The same attempt again (a retry after a crash): Conekta's order is found by its reference, not made twice.
    again = gateway_for("conekta").charge(
        invoice=invoice, payment_method=method, idempotency_key=f"inv:{invoice.pk}:attempt:1"
    )
    assert (again.succeeded, again.provider_payment_id, len(conekta_stub.orders)) == (
        True,
        payment.provider_payment_id,
        1,
    )


def test_a_declined_card_fails_the_attempt_and_starts_dunning(platform_client, conekta_acme, conekta_stub):
    _card(conekta_acme.tenant, "tok_test_card_declined")
    invoice = _invoice(conekta_acme.tenant, conekta_acme)

    payment = payments.payment_attempt(invoice=invoice)

    invoice.refresh_from_db()
    conekta_acme.refresh_from_db()
    assert (payment.status, payment.failure_code) == (PaymentStatus.FAILED, "card_declined")
    assert "conekta.errors.processing.bank.declined" in payment.failure_reason
    assert payment.provider_payment_id in conekta_stub.orders
    assert (invoice.status, invoice.payment_attempts) == (InvoiceStatus.OPEN, 1)
    assert invoice.next_payment_attempt_at is not None
    assert conekta_acme.status == "past_due"
    # Conekta's order.declined for the same order arrives later: recorded, nothing counted twice.
    body, digest = conekta_stub.events[-1]
    assert json.loads(body)["type"] == "order.declined"
    assert _post(platform_client, body, digest).content == b"processed"
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_a_currency_conekta_does_not_take_is_a_failed_attempt_not_a_crash(conekta_acme, conekta_stub):
    _card(conekta_acme.tenant)
    invoice = invoice_make(conekta_acme.tenant, currency="AUD", provider=Provider.CONEKTA)

    payment = payments.payment_attempt(invoice=invoice)

    assert (payment.status, payment.failure_code) == (PaymentStatus.FAILED, "invalid")
    assert conekta_stub.orders == {}


def test_order_paid_webhook_settles_the_invoice_and_a_replay_changes_nothing(
    platform_client, conekta_acme, conekta_stub
):
    invoice = _invoice(conekta_acme.tenant, conekta_acme, total=Decimal("53.90"))
    order = {"id": "ord_2paidlater", "object": "order", "amount": 5390, "currency": "MXN", "payment_status": "paid",
             "metadata": {"invoice_uuid": str(invoice.uuid)}, "created_at": 1700000000}  # fmt: skip
    body, digest = conekta_stub.order_event("order.paid", order)

    response = _post(platform_client, body, digest)

    assert (response.status_code, response.content) == (200, b"processed")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (InvoiceStatus.PAID, Decimal("53.90"))
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.provider, payment.provider_payment_id, payment.status) == ("conekta", "ord_2paidlater", "succeeded")
    # The same delivery again: answered, nothing done twice.
    assert _post(platform_client, body, digest).content == b"duplicate"
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert ProcessedWebhookEvent.objects.filter(provider="conekta").count() == 1


def test_an_order_we_did_not_make_is_recorded_and_ignored(platform_client, conekta_stub):
    body, digest = conekta_stub.order_event("order.paid", {"id": "ord_other", "amount": 100, "metadata": {}})
    assert _post(platform_client, body, digest).content == b"ignored"


@pytest.mark.parametrize("forgery", ["tampered", "missing", "garbage", "other_key"])
def test_bad_signatures_are_refused_and_recorded(platform_client, conekta_acme, conekta_stub, forgery):
    invoice = _invoice(conekta_acme.tenant, conekta_acme)
    order = {"id": "ord_forged", "amount": 5390, "currency": "MXN", "metadata": {"invoice_uuid": str(invoice.uuid)}}
    body, digest = conekta_stub.order_event("order.paid", order)
    sent, header = {
        "tampered": (body.replace(b"5390", b"1"), digest),
        "missing": (body, None),
        "garbage": (body, "not base64!"),
        "other_key": (body, type(conekta_stub)().sign(body)),
    }[forgery]

    response = _post(platform_client, sent, header)

    assert response.status_code == 400
    refusal = WebhookRefusal.objects.get()
    assert (refusal.provider, refusal.body_size, refusal.remote_addr) == ("conekta", len(sent), "127.0.0.1")
    assert not ProcessedWebhookEvent.objects.exists() and not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


def test_without_a_configured_public_key_every_event_is_refused(platform_client, conekta_stub, settings):
    settings.CONEKTA_WEBHOOK_PUBLIC_KEY = ""
    body, digest = conekta_stub.order_event("order.paid", {"id": "ord_1", "metadata": {}})
    assert _post(platform_client, body, digest).status_code == 400
    assert "No Conekta webhook public key" in WebhookRefusal.objects.get().reason


@pytest.mark.parametrize("provider", ["manual", "fungies", "nope"])
def test_providers_without_webhooks_have_no_endpoint(platform_client, provider):
    url = reverse("billing-webhooks:provider", kwargs={"provider": provider}, urlconf="config.urls.platform")
    assert platform_client.post(url, data=b"{}", content_type="application/json").status_code == 404


def test_fungies_is_no_longer_a_provider():
    assert "fungies" not in Provider.values


# --- the portal: the tenant admin adds a card from a token; others are refused ---------------------


def test_tenant_admin_adds_a_conekta_card_in_the_portal(acme_client, acme_admin, conekta_acme):
    acme_client.force_login(acme_admin)
    assert 'name="token"' in acme_client.get(CARD_NEW).content.decode()

    response = acme_client.post(CARD_NEW, {"token": "tok_test_visa_4242", "make_default": "on"})

    assert response.status_code == 302
    method = PaymentMethod.objects.get(tenant=conekta_acme.tenant)
    assert (method.provider, method.last4) == (Provider.CONEKTA, "4242")
    assert AuditEvent.objects.filter(action="billing.payment_method_added").exists()


def test_a_token_conekta_refuses_is_a_form_error_and_nothing_is_saved(acme_client, acme_admin, conekta_acme):
    acme_client.force_login(acme_admin)
    response = acme_client.post(CARD_NEW, {"token": "tok_test_unknown_1"})
    assert response.status_code == 400
    assert "The provider refused this card" in response.content.decode()
    assert not PaymentMethod.objects.exists()


def test_members_and_other_tenants_cannot_add_conekta_cards(
    acme_client, globex_client, acme_member, globex_member, conekta_acme, conekta_stub
):  # fmt: skip
    acme_client.force_login(acme_member)
    assert acme_client.post(CARD_NEW, {"token": "tok_test_visa_4242"}).status_code in (403, 404)
    acme_client.force_login(globex_member)
    assert acme_client.post(CARD_NEW, {"token": "tok_test_visa_4242"}).status_code in (302, 403, 404)
    assert not PaymentMethod.objects.exists() and conekta_stub.customers == {}


# --- the admin: staff choose the provider ------------------------------------------------------------


def _provider_url(subscription) -> str:
    return reverse("admin:billing_subscription_provider", args=[subscription.pk], urlconf="config.urls.platform")


def test_staff_switch_a_tenant_to_conekta_and_its_open_invoices_follow(platform_client, platform_superuser, acme):
    subscription = subscription_make(acme, plan_make(), provider=Provider.MANUAL)
    open_invoice = invoice_make(acme, provider=Provider.MANUAL, subscription=subscription)
    platform_client.force_login(platform_superuser)
    assert "Conekta" in platform_client.get(_provider_url(subscription)).content.decode()

    response = platform_client.post(_provider_url(subscription), {"provider": "conekta"})

    assert response.status_code == 302
    subscription.refresh_from_db()
    open_invoice.refresh_from_db()
    assert (subscription.provider, open_invoice.provider) == ("conekta", "conekta")
    event = AuditEvent.objects.get(action="billing.subscription_provider_changed")
    assert (event.before, event.after) == ({"provider": "manual"}, {"provider": "conekta", "open_invoices_moved": 1})


def test_a_subscription_billed_at_stripe_is_not_switched(platform_client, platform_superuser, acme):
    subscription = subscription_make(acme, plan_make(), provider=Provider.STRIPE, provider_subscription_id="sub_1Q")
    platform_client.force_login(platform_superuser)

    response = platform_client.post(_provider_url(subscription), {"provider": "conekta"})

    assert response.status_code == 200 and "cancel it there first" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.provider == "stripe"


def test_lower_roles_cannot_switch_the_provider(platform_client, support_staff, acme_admin, acme):
    subscription = subscription_make(acme, plan_make(), provider=Provider.MANUAL)
    for user in (support_staff, acme_admin):
        platform_client.force_login(user)
        response = platform_client.post(_provider_url(subscription), {"provider": "conekta"})
        assert response.status_code in (302, 403)  # the admin login page, or refused
    subscription.refresh_from_db()
    assert subscription.provider == "manual"
