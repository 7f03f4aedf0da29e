"""Stripe for real: which provider new subscriptions use, subscriptions pushed to Stripe on their
domain events, and invoices charged with the card saved through Checkout (stub)."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from apps.billing import services, stripe_events
from apps.billing.models import Payment, PaymentMethod, PaymentStatus, Provider, SubscriptionStatus
from apps.billing.payments import payment_attempt
from apps.billing.portal.services import payment_method_add, payment_provider_for
from apps.billing.providers import default_provider_name
from apps.tenancy.models import Plan

from .stripe_helpers import invoice_make, plan_make, subscription_make

ROOT = Path(__file__).resolve().parents[3]


# --- provider selection ---------------------------------------------------------------------------


def _provider_in(env: dict[str, str], module: str = "config.settings.base") -> str:
    code = f"import {module} as s; print(s.BILLING_PROVIDER)"
    # config/celery.py (imported by the config package) refuses to start without a settings module.
    base = {"PATH": os.environ.get("PATH", ""), "SECRET_KEY": "x" * 50, "FIELD_ENCRYPTION_KEY": "y" * 40,
            "DJANGO_SETTINGS_MODULE": module}  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=base | env,  # noqa: S603 - our own code
                            capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "manual"),
        ({"STRIPE_TEST_SECRET_KEY": "sk_test_" + "1" * 24}, "manual"),  # a key but no Stripe to reach
        ({"STRIPE_TEST_SECRET_KEY": "sk_test_" + "1" * 24, "STRIPE_API_HOST": "http://127.0.0.1:12111"}, "stripe"),
        ({"STRIPE_API_HOST": "http://127.0.0.1:12111"}, "manual"),  # a host but no key
        ({"STRIPE_LIVE_MODE": "true", "STRIPE_LIVE_SECRET_KEY": "sk_live_" + "1" * 24}, "stripe"),
        ({"STRIPE_LIVE_MODE": "true"}, "manual"),
        ({"BILLING_PROVIDER": "manual", "STRIPE_LIVE_MODE": "true", "STRIPE_LIVE_SECRET_KEY": "sk_live_1"}, "manual"),
    ],
)
def test_billing_provider_follows_the_stripe_configuration(env, expected):
    assert _provider_in(env) == expected


def test_test_settings_keep_the_manual_provider():
    assert django_settings.BILLING_PROVIDER == "manual" == default_provider_name()


@pytest.mark.django_db
def test_card_capture_follows_the_live_subscription_else_the_default(acme, settings):
    assert payment_provider_for(acme) == "manual"
    settings.BILLING_PROVIDER = "stripe"
    assert payment_provider_for(acme) == "stripe"
    subscription_make(acme, plan_make(), provider=Provider.MANUAL)
    assert payment_provider_for(acme) == "manual"  # an existing bank-transfer customer stays one


# --- subscriptions follow their domain events -----------------------------------------------------


@pytest.fixture
def pushes(monkeypatch):
    """Run the push task at once (as the worker would), counting the calls."""
    calls: list[str] = []

    def run(subscription_uuid: str) -> str:
        calls.append(subscription_uuid)
        return stripe_events.stripe_subscription_push(subscription_uuid)

    monkeypatch.setattr(stripe_events.stripe_subscription_push, "delay", run)
    return calls


@pytest.fixture
def trial_plan(db) -> Plan:
    plan = plan_make("stripe-trial")
    plan.trial_days = 14
    plan.save()
    return plan


@pytest.mark.django_db
def test_created_subscription_is_pushed_to_stripe_once(
    acme,
    acme_admin,
    trial_plan,
    stripe_stub,
    pushes,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        sub = services.subscription_create(tenant=acme, plan=trial_plan, acting_user=acme_admin, provider="stripe")

    sub.refresh_from_db()
    assert pushes == [str(sub.uuid)]
    assert sub.provider_subscription_id in stripe_stub.objects["subscriptions"]
    remote = stripe_stub.objects["subscriptions"][sub.provider_subscription_id]
    assert remote["status"] == "trialing" and remote["trial_end"] == int(sub.trial_end.timestamp())
    assert len(stripe_stub.objects["customers"]) == 1

    stripe_events.stripe_subscription_push(str(sub.uuid))  # a redelivered task
    stripe_events.stripe_subscription_push.delay(str(sub.uuid))
    assert len(stripe_stub.objects["subscriptions"]) == 1 and len(stripe_stub.objects["customers"]) == 1


@pytest.mark.django_db
def test_retried_create_after_a_lost_answer_makes_no_second_stripe_subscription(
    acme,
    acme_admin,
    trial_plan,
    stripe_stub,
    pushes,
):
    sub = services.subscription_create(tenant=acme, plan=trial_plan, acting_user=acme_admin, provider="stripe")
    stripe_events.stripe_subscription_push(str(sub.uuid))
    type(sub).objects.filter(pk=sub.pk).update(provider_subscription_id="")  # our write was lost

    stripe_events.stripe_subscription_push(str(sub.uuid))  # same idempotency key: Stripe answers the same

    assert len(stripe_stub.objects["subscriptions"]) == 1
    sub.refresh_from_db()
    assert sub.provider_subscription_id in stripe_stub.objects["subscriptions"]


@pytest.mark.django_db
def test_cancel_and_resume_reach_stripe(acme, acme_admin, trial_plan, stripe_stub, pushes,
                                        django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        sub = services.subscription_create(tenant=acme, plan=trial_plan, acting_user=acme_admin, provider="stripe")
    sub.refresh_from_db()
    remote = stripe_stub.objects["subscriptions"][sub.provider_subscription_id]

    with django_capture_on_commit_callbacks(execute=True):
        services.subscription_cancel(subscription=sub, acting_user=acme_admin)
    assert remote["cancel_at_period_end"] is True
    with django_capture_on_commit_callbacks(execute=True):
        services.subscription_resume(subscription=sub, acting_user=acme_admin)
    assert remote["cancel_at_period_end"] is False
    with django_capture_on_commit_callbacks(execute=True):
        services.subscription_cancel(subscription=sub, at_period_end=False, acting_user=acme_admin)
    assert remote["status"] == "canceled"
    assert len(pushes) == 4


@pytest.mark.django_db
def test_manual_subscriptions_never_reach_stripe(acme, acme_admin, trial_plan, stripe_stub, pushes,
                                                 django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.subscription_create(tenant=acme, plan=trial_plan, acting_user=acme_admin)
    assert pushes == [] and stripe_stub.requests == []


@pytest.mark.django_db
def test_events_of_a_batch_cost_one_query(acme, globex, trial_plan, django_assert_max_num_queries, monkeypatch):
    sent: list[str] = []
    monkeypatch.setattr(stripe_events.stripe_subscription_push, "delay", sent.append)
    subs = [subscription_make(t, trial_plan) for t in (acme, globex)]
    items = [(s.tenant, {"id": str(s.uuid)}) for s in subs] + [(None, {"id": "not-a-uuid"})]

    with django_assert_max_num_queries(2):  # the subscriptions, and the search_path of the public schema
        stripe_events.stripe_subscriptions_follow("subscription.changed", items)

    assert sorted(sent) == sorted(str(s.uuid) for s in subs)


# --- invoices charged through Stripe --------------------------------------------------------------


def _stripe_card(tenant, stripe_stub, *, declining: bool = False) -> PaymentMethod:
    """A card as Checkout leaves it: created at the stub, attached to the customer, recorded as default."""
    from apps.billing.stripe_sync import customer_ensure

    customer = customer_ensure(tenant).provider_customer_id
    pm_id = "pm_card_chargeDeclined" if declining else "pm_card_visa"
    stripe_stub.payment_method(pm_id)["customer"] = customer
    return payment_method_add(tenant=tenant, brand="visa", last4="0002" if declining else "4242", exp_month=12,
                              exp_year=2034, acting_user=None, provider=Provider.STRIPE,
                              provider_payment_method_id=pm_id)  # fmt: skip


@pytest.mark.django_db
def test_invoice_charged_off_session_with_the_default_card(acme, stripe_stub):
    card = _stripe_card(acme, stripe_stub)
    invoice = invoice_make(acme, total=Decimal("53.90"))

    payment = payment_attempt(invoice=invoice)

    invoice.refresh_from_db()
    assert (payment.status, payment.payment_method, invoice.status) == (PaymentStatus.SUCCEEDED, card, "paid")
    _method, _path, params = next(r for r in stripe_stub.requests if r[1] == "/v1/payment_intents")
    assert (params["amount"], params["currency"], params["payment_method"]) == ("5390", "aud", "pm_card_visa")
    assert (params["confirm"], params["off_session"]) == ("true", "true")


@pytest.mark.django_db
def test_declined_card_fails_with_the_decline_code_and_dunning_runs(acme, stripe_stub):
    _stripe_card(acme, stripe_stub, declining=True)
    subscription = subscription_make(acme, plan_make())
    invoice = invoice_make(acme, subscription=subscription)

    payment = payment_attempt(invoice=invoice)

    assert (payment.status, payment.failure_code) == (PaymentStatus.FAILED, "card_declined")
    assert "generic_decline" in payment.failure_reason
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PAST_DUE
    invoice.refresh_from_db()
    assert invoice.next_payment_attempt_at is not None


@pytest.mark.django_db
def test_a_saved_card_switched_to_declining_is_declined_next_time(acme, stripe_stub):
    _stripe_card(acme, stripe_stub)
    assert payment_attempt(invoice=invoice_make(acme, number=9101)).status == PaymentStatus.SUCCEEDED
    stripe_stub.card_decline("pm_card_visa")
    assert payment_attempt(invoice=invoice_make(acme, number=9102)).failure_code == "card_declined"


@pytest.mark.django_db
def test_jpy_amount_goes_to_stripe_in_minor_units(acme, stripe_stub):
    _stripe_card(acme, stripe_stub)
    invoice = invoice_make(acme, total=Decimal("1234"), currency="JPY")

    payment = payment_attempt(invoice=invoice)

    assert payment.status == PaymentStatus.SUCCEEDED
    (params,) = [r[2] for r in stripe_stub.requests if r[1] == "/v1/payment_intents"]
    assert (params["amount"], params["currency"]) == ("1234", "jpy")  # yen have no minor unit: not 123400
    assert Payment.objects.get(pk=payment.pk).amount == Decimal("1234")


@pytest.mark.django_db
def test_a_card_stripe_no_longer_knows_is_a_failed_attempt_not_an_error(acme, stripe_stub):
    card = _stripe_card(acme, stripe_stub)
    PaymentMethod.objects.filter(pk=card.pk).update(provider_payment_method_id="pm_detached_elsewhere")
    subscription = subscription_make(acme, plan_make())

    payment = payment_attempt(invoice=invoice_make(acme, subscription=subscription))

    assert (payment.status, payment.failure_code) == (PaymentStatus.FAILED, "resource_missing")
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PAST_DUE
