"""J4: a tenant admin adds a card through the Stripe checkout page (the local stub, real `stripe`
client), the trial ends and the first invoice is paid with it; next period the card is declined,
dunning runs to suspension, the portal shows the suspension, the admin adds a working card and pays,
and the organisation is active again."""

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from apps.accounts.services import user_email_mark_verified
from apps.billing import services
from apps.billing.models import Invoice, InvoiceStatus, PaymentMethod, Provider, Subscription, SubscriptionStatus
from apps.billing.portal.selectors import live_subscription
from apps.tenancy.models import Plan, Tenant
from tests.browser.harness import unique
from tests.stripe_stub import StripeStub

SECRET = "whsec_j4_" + "d" * 32
RETRY_DAYS = [1, 3, 5, 7]  # settings.BILLING_DUNNING_RETRY_DAYS


@pytest.fixture
def stripe(live, settings) -> Iterator[Any]:
    """The stub on a free port; its checkout events go to the live server's webhook endpoint, signed,
    a second after "Save card" (so the portal shows "Card being confirmed…" first)."""
    stub = StripeStub(webhook_url=live.url("/billing/webhooks/stripe/"), webhook_secret=SECRET, webhook_delay=1.0)
    settings.STRIPE_API_HOST = stub.start()
    settings.BILLING_STRIPE_WEBHOOK_SECRET = SECRET
    settings.BILLING_PROVIDER = "stripe"
    yield stub
    stub.stop()


def _iso(when) -> str:
    return when.isoformat()


def _add_card(page, number: str = "4242 4242 4242 4242") -> None:
    """Billing page → Stripe's hosted page → back: the card is confirmed by the webhook."""
    page.get_by_role("button", name="Add a card").click()
    expect(page.get_by_role("heading", name="Save a card with NIDIA Flow")).to_be_visible()
    expect(page.get_by_label("Card number")).to_have_value("4242 4242 4242 4242")
    page.get_by_label("Card number").fill(number)
    page.get_by_role("button", name="Save card").click()
    expect(page.get_by_role("heading", name="Card saved")).to_be_visible(timeout=20_000)  # htmx polls until then
    page.get_by_role("link", name="Back to billing").click()


def test_card_through_checkout_trial_paid_then_declined_suspended_and_paid(
    page, live, people, sign_in, command, wait_for, artifacts, stripe
):
    plan = Plan.objects.create(name=unique("j4"), display_name="J4 Growth", currency="AUD", trial_days=14,
                               price_monthly=Decimal("49.00"), price_quarterly=Decimal("139.00"),
                               price_annual=Decimal("499.00"), max_users=25)  # fmt: skip
    tenant = people.tenant(name="Harbour Bikes", plan=plan)
    admin = people.tenant_admin(tenant)
    user_email_mark_verified(user=admin.user, acting_user=None)  # as confirming the address does (the harness may)
    subscription = live_subscription(tenant) or services.subscription_create(
        tenant=tenant, plan=plan, acting_user=None, provider=Provider.STRIPE
    )
    assert subscription.provider == Provider.STRIPE and subscription.status == SubscriptionStatus.TRIALING
    wait_for(lambda: Subscription.objects.get(pk=subscription.pk).provider_subscription_id,
             message="the worker to push the subscription to Stripe")  # fmt: skip

    # The admin adds a card on Stripe's page.
    sign_in(page, live.tenant_url(tenant, "/accounts/login/?next=/manage/billing/"), admin)
    expect(page.get_by_role("heading", name="Billing", exact=True)).to_be_visible()
    _add_card(page)
    card = PaymentMethod.objects.get(tenant=tenant, is_default=True, removed_at__isnull=True)
    assert (card.provider, card.last4) == (Provider.STRIPE, "4242")
    expect(page.get_by_text("visa •••• 4242")).to_be_visible()

    # The trial ends: the first invoice is issued and charged with the card.
    subscription.refresh_from_db()
    command("billing_run", "--now", _iso(subscription.trial_end + timedelta(hours=1)))
    first = Invoice.objects.filter(tenant=tenant).order_by("created_at").first()
    assert first is not None and first.status == InvoiceStatus.PAID
    page.reload()
    expect(page.get_by_role("row").filter(has_text=first.number)).to_contain_text("Paid")

    # Next period the card is declined: dunning retries on its schedule, then suspends.
    stripe.card_decline(card.provider_payment_method_id)
    subscription.refresh_from_db()
    when = subscription.current_period_end + timedelta(hours=1)
    command("billing_run", "--now", _iso(when))
    second = Invoice.objects.filter(tenant=tenant).order_by("-created_at").first()
    assert second is not None and second.pk != first.pk and second.status == InvoiceStatus.OPEN
    page.reload()
    expect(page.get_by_role("heading", name="A payment failed")).to_be_visible()
    for days in RETRY_DAYS:
        when += timedelta(days=days)
        command("billing_run", "--now", _iso(when))
    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.SUSPENDED
    page.goto(live.tenant_url(tenant, "/manage/"))
    expect(page.get_by_role("heading", name="This organisation is suspended")).to_be_visible()
    page.get_by_role("link", name="Pay the overdue invoice").click()
    expect(page.get_by_role("heading", name=f"{tenant.name} is suspended")).to_be_visible()
    expect(page.get_by_text(f"Invoice {second.number} is unpaid")).to_be_visible()

    # The admin adds a working card and pays: the organisation is active again.
    _add_card(page)
    page.get_by_role("button", name=f"Pay {second.number} now").click()
    expect(page.get_by_text(f"Invoice {second.number} is paid. Thank you.")).to_be_visible()
    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.ACTIVE
    page.goto(live.tenant_url(tenant, "/manage/billing/"))
    expect(page.get_by_role("heading", name=f"{tenant.name} is suspended")).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text=second.number)).to_contain_text("Paid")
    artifacts.screenshot(page, "last")
