"""Customer, product/price and subscription sync, and the Stripe gateway, against the local stub."""

from decimal import Decimal

import pytest
from djstripe.models import Customer as DjstripeCustomer

from apps.billing.models import PaymentMethod, Provider, ProviderCustomer
from apps.billing.payments import payment_attempt
from apps.billing.providers import gateway_for
from apps.billing.stripe_sync import customer_ensure, plan_prices_sync, subscription_push
from tests.stripe_stub import stripe_stub  # noqa: F401 - the fixture

from .stripe_helpers import invoice_make, plan_make, subscription_make

pytestmark = pytest.mark.django_db


def test_customer_ensure_creates_once_and_mirrors_into_djstripe(acme, stripe_stub):  # noqa: F811
    acme.billing_email = "accounts@acme.test"
    record = customer_ensure(acme)
    again = customer_ensure(acme)

    assert again.pk == record.pk
    assert record.provider == Provider.STRIPE and record.provider_customer_id.startswith("cus_")
    remote = stripe_stub.objects["customers"][record.provider_customer_id]
    assert remote["metadata"]["tenant_id"] == str(acme.id)
    assert remote["email"] == "accounts@acme.test"
    mirrored = DjstripeCustomer.objects.get(id=record.provider_customer_id)
    assert mirrored.livemode is False
    assert len(stripe_stub.objects["customers"]) == 1


def test_plan_prices_sync_one_price_per_cycle_and_new_price_when_amount_changes(stripe_stub):  # noqa: F811
    plan = plan_prices_sync(plan_make())

    assert plan.stripe_product_id.startswith("prod_")
    prices = {p["id"]: p for p in stripe_stub.objects["prices"].values()}
    monthly, quarterly, annual = (
        prices[plan.stripe_price_id_monthly],
        prices[plan.stripe_price_id_quarterly],
        prices[plan.stripe_price_id_annual],
    )
    assert (monthly["unit_amount"], monthly["currency"], monthly["recurring"]["interval"]) == (4900, "aud", "month")
    assert (quarterly["unit_amount"], quarterly["recurring"]["interval_count"]) == (13950, 3)
    assert (annual["unit_amount"], annual["recurring"]["interval"]) == (49900, "year")

    unchanged = plan_prices_sync(plan)
    assert len(stripe_stub.objects["prices"]) == 3
    unchanged.price_monthly = Decimal("59.00")
    unchanged.save()
    repriced = plan_prices_sync(unchanged)
    assert repriced.stripe_price_id_monthly != plan.stripe_price_id_monthly
    assert repriced.stripe_price_id_annual == plan.stripe_price_id_annual
    assert stripe_stub.objects["prices"][repriced.stripe_price_id_monthly]["unit_amount"] == 5900


def test_subscription_push_creates_then_updates(acme, stripe_stub):  # noqa: F811
    subscription = subscription_make(acme, plan_make(), quantity=3, provider=Provider.MANUAL)

    pushed = subscription_push(subscription)

    assert pushed.provider == Provider.STRIPE and pushed.provider_subscription_id.startswith("sub_")
    remote = stripe_stub.objects["subscriptions"][pushed.provider_subscription_id]
    assert remote["customer"] == ProviderCustomer.objects.get(tenant=acme).provider_customer_id
    assert remote["items"]["data"][0]["quantity"] == 3
    assert remote["metadata"]["subscription_uuid"] == str(subscription.uuid)

    pushed.quantity, pushed.cancel_at_period_end = 5, True
    pushed.save()
    again = subscription_push(pushed)
    assert again.provider_subscription_id == pushed.provider_subscription_id
    assert len(stripe_stub.objects["subscriptions"]) == 1
    assert remote["items"]["data"][0]["quantity"] == 5
    assert remote["cancel_at_period_end"] is True


def _card(tenant, pm_id: str, last4: str) -> PaymentMethod:
    return PaymentMethod.objects.create(
        tenant=tenant, provider=Provider.STRIPE, provider_payment_method_id=pm_id, brand="visa", last4=last4
    )


def test_gateway_charge_succeeds_in_minor_units(acme, stripe_stub):  # noqa: F811
    invoice = invoice_make(acme, total=Decimal("53.90"))

    result = gateway_for("stripe").charge(
        invoice=invoice, payment_method=_card(acme, "pm_card_visa", "4242"), idempotency_key="inv:1:attempt:1"
    )

    assert result.succeeded and result.provider_payment_id.startswith("pi_")
    intent = stripe_stub.objects["payment_intents"][result.provider_payment_id]
    assert (intent["amount"], intent["currency"], intent["status"]) == (5390, "aud", "succeeded")
    assert intent["metadata"]["invoice_uuid"] == str(invoice.uuid)


def test_gateway_charge_same_key_charges_once(acme, stripe_stub):  # noqa: F811
    invoice = invoice_make(acme)
    card = _card(acme, "pm_card_visa", "4242")
    gateway = gateway_for("stripe")

    first = gateway.charge(invoice=invoice, payment_method=card, idempotency_key="inv:1:attempt:1")
    second = gateway.charge(invoice=invoice, payment_method=card, idempotency_key="inv:1:attempt:1")

    assert first == second
    assert len(stripe_stub.objects["payment_intents"]) == 1


def test_gateway_charge_declined_card(acme, stripe_stub):  # noqa: F811
    invoice = invoice_make(acme)

    result = gateway_for("stripe").charge(
        invoice=invoice, payment_method=_card(acme, "pm_card_chargeDeclined", "0002"), idempotency_key="k-declined"
    )

    assert not result.succeeded
    assert result.failure_code == "card_declined"
    assert "declined" in result.failure_reason
    assert stripe_stub.objects["payment_intents"][result.provider_payment_id]["status"] == "requires_payment_method"


def test_gateway_without_payment_method_does_not_call_stripe(acme, stripe_stub):  # noqa: F811
    result = gateway_for("stripe").charge(invoice=invoice_make(acme), payment_method=None, idempotency_key="k")

    assert (result.succeeded, result.failure_code) == (False, "no_payment_method")
    assert stripe_stub.requests == []


def test_payment_attempt_through_the_stripe_gateway(acme, stripe_stub):  # noqa: F811
    card = _card(acme, "pm_card_visa", "4242")
    card.is_default = True
    card.save()
    invoice = invoice_make(acme, total=Decimal("53.90"))

    payment = payment_attempt(invoice=invoice)

    invoice.refresh_from_db()
    assert (payment.status, payment.provider) == ("succeeded", Provider.STRIPE)
    assert payment.provider_payment_id in stripe_stub.objects["payment_intents"]
    assert invoice.status == "paid"


def test_payment_attempt_declined_by_stripe(acme, stripe_stub):  # noqa: F811
    card = _card(acme, "pm_card_chargeDeclined", "0002")
    card.is_default = True
    card.save()
    invoice = invoice_make(acme)

    payment = payment_attempt(invoice=invoice)

    invoice.refresh_from_db()
    assert (payment.status, payment.failure_code) == ("failed", "card_declined")
    assert invoice.status == "open" and invoice.next_payment_attempt_at is not None
