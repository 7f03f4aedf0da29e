"""Pushing our billing objects to Stripe: the tenant as a customer (mirrored into dj-stripe's
Customer), a plan as a product with one recurring price per billing cycle, and a subscription; and
the calls of card capture through Stripe Checkout in setup mode (session, SetupIntent, the
customer's default payment method).

Every create carries an idempotency key derived from our own ids, so a retried call after a
timeout or a rolled-back transaction finds the object Stripe already made instead of a second one.
"""

from __future__ import annotations

import logging

import stripe
from django.db import IntegrityError, transaction
from djstripe.models import Customer as DjstripeCustomer
from stripe.params import CustomerCreateParams, ProductCreateParams, SubscriptionCreateParams

from apps.billing.models import (
    LIVE_STATUSES,
    BillingCycle,
    CheckoutSession,
    Provider,
    ProviderCustomer,
    Subscription,
    SubscriptionStatus,
)
from apps.billing.money import minor_units, plan_price
from apps.billing.providers.stripe import client_configure
from apps.tenancy.models import Plan, Tenant

logger = logging.getLogger(__name__)

# Stripe's recurring interval for each of our billing cycles.
CYCLE_INTERVALS = {
    BillingCycle.MONTHLY: ("month", 1),
    BillingCycle.QUARTERLY: ("month", 3),
    BillingCycle.ANNUAL: ("year", 1),
}


def price_field(cycle: str) -> str:
    return f"stripe_price_id_{BillingCycle(cycle).value}"


@transaction.atomic
def customer_ensure(tenant: Tenant) -> ProviderCustomer:
    """The tenant's Stripe customer: created once, mirrored into dj-stripe, recorded as ProviderCustomer."""
    existing = _customer_record(tenant)
    if existing is None:
        Tenant.objects.select_for_update().filter(pk=tenant.pk).first()  # one creation per tenant at a time
        existing = _customer_record(tenant)
    if existing is not None:
        return existing
    client_configure()
    params: CustomerCreateParams = {
        "name": tenant.name,
        "metadata": {"tenant_id": str(tenant.id), "tenant_slug": tenant.slug},
        "idempotency_key": f"nidia-customer-{tenant.id}",
    }
    if tenant.billing_email:  # Stripe refuses an empty string
        params["email"] = tenant.billing_email
    customer = stripe.Customer.create(**params)
    _mirror(customer)
    record = ProviderCustomer(tenant=tenant, provider=Provider.STRIPE, provider_customer_id=customer.id)
    record.full_clean()
    record.save()
    return record


def _customer_record(tenant: Tenant) -> ProviderCustomer | None:
    return ProviderCustomer.objects.filter(tenant=tenant, provider=Provider.STRIPE).first()


def _mirror(customer: stripe.Customer) -> None:
    """Into dj-stripe's Customer. Its get-or-create is not atomic: another process mirroring the same
    customer (a webhook) can win the insert (dj-stripe issues #429, #2161); the row is then there."""
    try:
        with transaction.atomic():
            DjstripeCustomer.sync_from_stripe_data(customer)
    except IntegrityError:
        logger.info("dj-stripe customer %s was mirrored concurrently", customer.id)


@transaction.atomic
def plan_prices_sync(plan: Plan) -> Plan:
    """A product for the plan and one recurring price per cycle with a price; prices are immutable in
    Stripe, so a changed amount gets a new price (the old one stays for existing subscriptions)."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    client_configure()
    if plan.stripe_product_id:
        stripe.Product.modify(plan.stripe_product_id, name=plan.display_name or plan.name)
    else:
        params: ProductCreateParams = {
            "name": plan.display_name or plan.name,
            "metadata": {"plan": plan.name},
            "idempotency_key": f"nidia-product-{plan.pk}",
        }
        if plan.description:
            params["description"] = plan.description
        product = stripe.Product.create(**params)
        plan.stripe_product_id = product.id
    for cycle in BillingCycle:
        _price_sync(plan, cycle)
    plan.save(update_fields=["stripe_product_id", *(price_field(c) for c in BillingCycle), "updated_at"])
    return plan


def _price_sync(plan: Plan, cycle: BillingCycle) -> None:
    amount = plan_price(plan, cycle)
    current_id = getattr(plan, price_field(cycle))
    if amount <= 0:
        return
    if current_id:
        current = stripe.Price.retrieve(current_id)
        if current.unit_amount == minor_units(amount, plan.currency) and current.currency == plan.currency.lower():
            return
    interval, count = CYCLE_INTERVALS[cycle]
    unit_amount = minor_units(amount, plan.currency)
    price = stripe.Price.create(
        product=plan.stripe_product_id,
        currency=plan.currency.lower(),
        unit_amount=unit_amount,
        recurring={"interval": interval, "interval_count": count},
        nickname=f"{plan.name} {cycle.value}",
        metadata={"plan": plan.name, "cycle": cycle.value},
        idempotency_key=f"nidia-price-{plan.pk}-{cycle.value}-{plan.currency}-{unit_amount}",
    )
    setattr(plan, price_field(cycle), price.id)


@transaction.atomic
def subscription_push(subscription: Subscription) -> Subscription:
    """Create the Stripe subscription (or bring its price, seats and cancellation up to date) and
    store its id. Our billing computes proration itself, so Stripe is told not to prorate."""
    subscription = Subscription.objects.select_for_update().select_related("plan", "tenant").get(pk=subscription.pk)
    if not subscription.provider_subscription_id and subscription.status not in LIVE_STATUSES:
        return subscription  # ended before it reached Stripe: nothing to create
    customer = customer_ensure(subscription.tenant)
    price_id = getattr(subscription.plan, price_field(subscription.billing_cycle))
    if not price_id:
        price_id = getattr(plan_prices_sync(subscription.plan), price_field(subscription.billing_cycle))
    client_configure()
    if subscription.provider_subscription_id:
        remote = _subscription_update(subscription, price_id)
    else:
        remote = _subscription_create(subscription, customer.provider_customer_id, price_id)
    subscription.provider = Provider.STRIPE
    subscription.provider_subscription_id = remote.id
    subscription.save(update_fields=["provider", "provider_subscription_id", "updated_at"])
    return subscription


def _subscription_create(subscription: Subscription, customer_id: str, price_id: str) -> stripe.Subscription:
    params: SubscriptionCreateParams = {
        "customer": customer_id,
        "items": [{"price": price_id, "quantity": subscription.quantity}],
        "metadata": {"subscription_uuid": str(subscription.uuid), "tenant_id": str(subscription.tenant_id)},
        "proration_behavior": "none",
        # Our billing run issues the invoices and collects through the gateway: Stripe never charges
        # on its own for a mirrored subscription (no double charge).
        "collection_method": "send_invoice",
        "days_until_due": 7,
        "idempotency_key": f"nidia-subscription-{subscription.uuid}",
    }
    if subscription.status == SubscriptionStatus.TRIALING and subscription.trial_end:
        params["trial_end"] = int(subscription.trial_end.timestamp())
    return stripe.Subscription.create(**params)


def _subscription_update(subscription: Subscription, price_id: str) -> stripe.Subscription:
    remote = stripe.Subscription.retrieve(subscription.provider_subscription_id)
    if remote.status == "canceled":  # final in Stripe
        return remote
    if subscription.status in (SubscriptionStatus.CANCELLED, SubscriptionStatus.ENDED):
        return stripe.Subscription.cancel(remote.id)  # ended here at once: ended there too
    item = remote["items"].data[0]
    return stripe.Subscription.modify(
        remote.id,
        items=[{"id": item.id, "price": price_id, "quantity": subscription.quantity}],
        cancel_at_period_end=subscription.cancel_at_period_end,
        proration_behavior="none",
    )


# --- card capture: Stripe Checkout in setup mode ------------------------------------------------


def checkout_session_create(session: CheckoutSession, *, success_url: str, cancel_url: str) -> stripe.checkout.Session:
    """A hosted Checkout session that saves a card for the tenant's customer (no charge now); the
    card is recorded when `checkout.session.completed` arrives (apps.billing.webhooks)."""
    customer = customer_ensure(session.tenant)
    client_configure()
    reference = {"tenant_id": str(session.tenant_id), "checkout_uuid": str(session.uuid)}
    return stripe.checkout.Session.create(
        mode="setup",
        customer=customer.provider_customer_id,
        payment_method_types=["card"],
        success_url=success_url,
        cancel_url=cancel_url,
        client_reference_id=str(session.tenant_id),
        metadata=reference,
        setup_intent_data={"metadata": reference},
        idempotency_key=f"nidia-checkout-{session.uuid}",
    )


def checkout_session_expire(provider_session_id: str) -> None:
    """Close a session the admin left (cancel): it can no longer complete. Best effort: a session that
    already completed or expired is left as Stripe has it."""
    client_configure()
    try:
        stripe.checkout.Session.expire(provider_session_id)
    except stripe.InvalidRequestError as exc:
        logger.info("Checkout session %s not expired: %s", provider_session_id, exc.user_message)


def setup_intent_retrieve(setup_intent_id: str) -> stripe.SetupIntent:
    """The SetupIntent of a completed session, with its payment method expanded."""
    client_configure()
    return stripe.SetupIntent.retrieve(setup_intent_id, expand=["payment_method"])


def customer_default_payment_method_set(tenant: Tenant, provider_payment_method_id: str) -> None:
    """Stripe's default (invoice_settings) follows ours, so both sides name the same card."""
    customer = customer_ensure(tenant)
    client_configure()
    stripe.Customer.modify(
        customer.provider_customer_id, invoice_settings={"default_payment_method": provider_payment_method_id}
    )


def payment_method_detach(provider_payment_method_id: str) -> None:
    """A card removed in the portal is detached from the customer: Stripe can no longer charge it."""
    client_configure()
    try:
        stripe.PaymentMethod.detach(provider_payment_method_id)
    except stripe.InvalidRequestError as exc:  # already detached
        logger.info("Payment method %s not detached: %s", provider_payment_method_id, exc.user_message)
