"""Card capture through Stripe Checkout (setup mode) against the local stub: who may start it, the
hosted page, the completed-session webhook that records the card, cancel, failure, unknown sessions."""

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.billing.models import (
    CheckoutSession,
    CheckoutStatus,
    PaymentMethod,
    ProcessedWebhookEvent,
    Provider,
    ProviderCustomer,
)
from tests.stripe_stub import STUB_WEBHOOK_SECRET, event_payload, signature_header

from .stripe_helpers import plan_make, subscription_make

pytestmark = pytest.mark.django_db

OVERVIEW = "/manage/billing/"
START = "/manage/billing/payment-methods/checkout/"
CARD_NEW = "/manage/billing/payment-methods/new/"
WEBHOOK = reverse("billing-webhooks:stripe", urlconf="config.urls.platform")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browse(url: str, form: dict | None = None) -> tuple[int, str, str]:
    """A browser on the stub's hosted page: (status, body, Location), redirects not followed."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        with urllib.request.build_opener(NoRedirect).open(url, data=data, timeout=10) as answer:
            return answer.status, answer.read().decode(), answer.headers.get("Location", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), exc.headers.get("Location", "")


def deliver(client, stub) -> list[str]:
    """Post the stub's pending events to our endpoint, as Stripe would; returns the outcomes."""
    outcomes = []
    while stub.events:
        payload = stub.events.pop(0)
        response = client.post(WEBHOOK, data=payload, content_type="application/json",
                               HTTP_STRIPE_SIGNATURE=signature_header(payload, STUB_WEBHOOK_SECRET))  # fmt: skip
        assert response.status_code == 200, response.content
        outcomes.append(response.content.decode())
    return outcomes


@pytest.fixture
def stripe_acme(acme, stripe_stub, settings):
    """Acme on a Stripe subscription, Stripe the default provider, the stub answering."""
    settings.BILLING_PROVIDER = "stripe"
    subscription_make(acme, plan_make())
    return acme


def start_checkout(client, admin) -> tuple[CheckoutSession, str]:
    client.force_login(admin)
    response = client.post(START)
    assert response.status_code == 302, response.content
    session = CheckoutSession.objects.get(tenant__slug="acme")
    return session, response["Location"]


def save_card(url: str, number: str = "4242 4242 4242 4242") -> str:
    status, page, _ = browse(url)
    assert status == 200 and "4242 4242 4242 4242" in page and "Save card" in page and "Cancel" in page
    status, _, location = browse(url, {"card_number": number, "expiry": "12 / 34", "cvc": "123"})
    assert status == 303
    return location


# --- starting a checkout --------------------------------------------------------------------------


def test_admin_starts_a_setup_mode_session_and_is_sent_to_stripe(acme_client, acme_admin, stripe_acme, stripe_stub):
    session, location = start_checkout(acme_client, acme_admin)

    remote = stripe_stub.objects["checkout_sessions"][session.provider_session_id]
    assert location == remote["url"] == f"{stripe_stub.base_url}/checkout/{session.provider_session_id}"
    customer = ProviderCustomer.objects.get(tenant=stripe_acme, provider=Provider.STRIPE)
    assert (remote["mode"], remote["customer"]) == ("setup", customer.provider_customer_id)
    assert remote["client_reference_id"] == str(stripe_acme.id)
    assert remote["metadata"] == {"tenant_id": str(stripe_acme.id), "checkout_uuid": str(session.uuid)}
    assert remote["success_url"] == f"http://acme.localhost/manage/billing/payment-methods/checkout/{session.uuid}/"
    assert remote["cancel_url"] == remote["success_url"] + "cancelled/"
    assert session.status == CheckoutStatus.OPEN and session.created_by == acme_admin
    assert AuditEvent.objects.filter(action="billing.card_checkout_started", tenant_id=stripe_acme.id).exists()


def test_overview_offers_stripe_checkout_and_add_page_has_no_simulated_form(acme_client, acme_admin, stripe_acme):
    acme_client.force_login(acme_admin)
    assert f'action="{START}"' in acme_client.get(OVERVIEW).content.decode()
    page = acme_client.get(CARD_NEW).content.decode()
    assert "Continue to Stripe" in page and "Last four digits" not in page
    refused = acme_client.post(CARD_NEW, {"brand": "Visa", "last4": "4242", "exp_month": 1, "exp_year": 2099})
    assert refused.status_code == 400 and "Stripe" in refused.content.decode()
    assert not PaymentMethod.objects.filter(tenant=stripe_acme).exists()


@pytest.mark.parametrize("who", ["acme_member", "globex_member"])
def test_checkout_start_refused_to_members_and_other_tenants(acme_client, stripe_acme, stripe_stub, who, request):
    acme_client.force_login(request.getfixturevalue(who))
    assert acme_client.post(START).status_code == 403
    assert not CheckoutSession.objects.exists() and not stripe_stub.objects["checkout_sessions"]


def test_checkout_start_anonymous_is_sent_to_sign_in(acme_client, stripe_acme, stripe_stub):
    response = acme_client.post(START)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not CheckoutSession.objects.exists()


def test_another_tenants_checkout_is_not_found(acme_client, globex_client, acme_admin, globex, stripe_acme):
    from tests.factories import MembershipFactory

    session, _ = start_checkout(acme_client, acme_admin)
    globex_admin = MembershipFactory(tenant=globex, role="tenant_admin", user__email="admin@globex.test").user
    globex_client.force_login(globex_admin)
    assert globex_client.get(f"{START}{session.uuid}/").status_code == 404
    assert globex_client.get(f"{START}{session.uuid}/cancelled/").status_code == 404
    session.refresh_from_db()
    assert session.status == CheckoutStatus.OPEN


def test_manual_provider_keeps_the_simulated_card_form(acme_client, acme_admin, acme, stripe_stub):
    subscription_make(acme, plan_make(), provider=Provider.MANUAL)
    acme_client.force_login(acme_admin)
    assert "Last four digits" in acme_client.get(CARD_NEW).content.decode()
    response = acme_client.post(START, follow=True)
    assert "not captured through Stripe" in response.content.decode()
    assert not CheckoutSession.objects.exists() and not stripe_stub.objects["checkout_sessions"]


def test_stripe_unreachable_leaves_nothing_half_started(acme_client, acme_admin, stripe_acme, settings):
    settings.STRIPE_API_HOST = "http://127.0.0.1:9"  # nothing listens
    acme_client.force_login(acme_admin)
    response = acme_client.post(START, follow=True)
    assert "Stripe could not be reached" in response.content.decode()
    assert not CheckoutSession.objects.exists()


# --- completing it ----------------------------------------------------------------------------------


def test_saved_card_is_recorded_by_the_webhook_and_becomes_the_default(
    acme_client,
    platform_client,
    acme_admin,
    stripe_acme,
    stripe_stub,
):
    session, url = start_checkout(acme_client, acme_admin)
    manual = PaymentMethod.objects.create(tenant=stripe_acme, provider=Provider.MANUAL, last4="1111", is_default=True)

    back = save_card(url)

    assert back == f"http://acme.localhost/manage/billing/payment-methods/checkout/{session.uuid}/"
    pending = acme_client.get(back)
    assert "Card being confirmed" in pending.content.decode() and "hx-trigger" in pending.content.decode()
    assert not PaymentMethod.objects.filter(provider=Provider.STRIPE).exists()  # not before the webhook

    assert deliver(platform_client, stripe_stub) == ["processed"]

    method = PaymentMethod.objects.get(tenant=stripe_acme, provider=Provider.STRIPE)
    assert (method.brand, method.last4, method.exp_month, method.exp_year) == ("visa", "4242", 12, 2034)
    assert method.is_default and method.provider_payment_method_id.startswith("pm_")
    manual.refresh_from_db()
    assert not manual.is_default
    session.refresh_from_db()
    assert session.status == CheckoutStatus.COMPLETED and session.payment_method == method
    customer = stripe_stub.objects["customers"][ProviderCustomer.objects.get(tenant=stripe_acme).provider_customer_id]
    assert customer["invoice_settings"]["default_payment_method"] == method.provider_payment_method_id
    fragment = acme_client.get(back, HTTP_HX_REQUEST="true").content.decode()
    assert "Card saved" in fragment and "visa •••• 4242" in fragment and "hx-trigger" not in fragment
    assert "<html" not in fragment  # htmx gets the fragment alone
    assert AuditEvent.objects.filter(action="billing.payment_method_added", tenant_id=stripe_acme.id).exists()


def test_replayed_and_repeated_completion_events_record_one_card(
    acme_client,
    platform_client,
    acme_admin,
    stripe_acme,
    stripe_stub,
):
    _session, url = start_checkout(acme_client, acme_admin)
    save_card(url)
    payload = stripe_stub.events[0]
    event = json.loads(payload)
    again_new_id = event_payload(event["type"], event["data"]["object"])
    stripe_stub.events.extend([payload, again_new_id])

    assert deliver(platform_client, stripe_stub) == ["processed", "duplicate", "processed"]

    assert PaymentMethod.objects.filter(tenant=stripe_acme, provider=Provider.STRIPE).count() == 1
    assert ProcessedWebhookEvent.objects.filter(event_type="checkout.session.completed").count() == 2


def test_completion_with_a_bad_signature_records_nothing(acme_client, platform_client, acme_admin, stripe_acme,
                                                        stripe_stub):  # fmt: skip
    _session, url = start_checkout(acme_client, acme_admin)
    save_card(url)
    payload = stripe_stub.events.pop()
    forged = signature_header(payload, "whsec_not_ours_" + "c" * 24)
    response = platform_client.post(WEBHOOK, data=payload, content_type="application/json",
                                    HTTP_STRIPE_SIGNATURE=forged)  # fmt: skip
    assert response.status_code == 400
    assert not PaymentMethod.objects.exists() and not ProcessedWebhookEvent.objects.exists()


def test_payment_method_attached_and_completion_in_any_order_keep_one_row(
    acme_client,
    platform_client,
    acme_admin,
    stripe_acme,
    stripe_stub,
):
    _session, url = start_checkout(acme_client, acme_admin)
    save_card(url)
    method = next(iter(stripe_stub.objects["payment_methods"].values()))
    stripe_stub.events.insert(0, event_payload("payment_method.attached", method))

    assert deliver(platform_client, stripe_stub) == ["processed", "processed"]
    assert PaymentMethod.objects.filter(provider_payment_method_id=method["id"]).count() == 1


def test_unknown_session_is_recorded_and_ignored(platform_client, stripe_acme, stripe_stub):
    obj = {"id": "cs_test_not_ours", "object": "checkout.session", "mode": "setup", "status": "complete",
           "setup_intent": "seti_not_ours", "customer": "cus_other", "metadata": {}}  # fmt: skip
    stripe_stub.events.append(event_payload("checkout.session.completed", obj))

    assert deliver(platform_client, stripe_stub) == ["ignored"]
    assert ProcessedWebhookEvent.objects.get(object_id="cs_test_not_ours").outcome == "ignored"
    assert not PaymentMethod.objects.exists()


# --- cancelled, expired, failed ---------------------------------------------------------------------


def test_cancel_records_no_card_and_says_why(acme_client, platform_client, acme_admin, stripe_acme, stripe_stub):
    session, url = start_checkout(acme_client, acme_admin)
    status, _, location = browse(f"{url}/cancel")
    assert status == 303 and location.endswith(f"/checkout/{session.uuid}/cancelled/")

    response = acme_client.get(location, follow=True)

    assert "You cancelled the checkout: no card was saved." in response.content.decode()
    session.refresh_from_db()
    assert session.status == CheckoutStatus.CANCELLED and session.payment_method is None
    assert stripe_stub.objects["checkout_sessions"][session.provider_session_id]["status"] == "expired"
    assert deliver(platform_client, stripe_stub) == ["processed"]  # Stripe's expired event changes nothing
    session.refresh_from_db()
    assert session.status == CheckoutStatus.CANCELLED and not PaymentMethod.objects.exists()
    assert browse(url)[0] == 410  # the hosted page is closed


def test_expired_session_says_so_on_the_return_page(acme_client, platform_client, acme_admin, stripe_acme,
                                                    stripe_stub):  # fmt: skip
    session, _ = start_checkout(acme_client, acme_admin)
    remote = stripe_stub.objects["checkout_sessions"][session.provider_session_id]
    stripe_stub.events.append(event_payload("checkout.session.expired", {**remote, "status": "expired"}))

    assert deliver(platform_client, stripe_stub) == ["processed"]

    page = acme_client.get(f"{START}{session.uuid}/").content.decode()
    assert "No card was saved" in page and "expired before a card was saved" in page and "hx-trigger" not in page


def test_failed_setup_records_no_card_and_shows_the_reason(acme_client, platform_client, acme_admin, stripe_acme,
                                                           stripe_stub):  # fmt: skip
    session, url = start_checkout(acme_client, acme_admin)
    save_card(url)
    intent = next(iter(stripe_stub.objects["setup_intents"].values()))
    intent.update(status="requires_payment_method", last_setup_error={"message": "Your card was declined."})

    assert deliver(platform_client, stripe_stub) == ["processed"]

    session.refresh_from_db()
    assert session.status == CheckoutStatus.FAILED and not PaymentMethod.objects.exists()
    page = acme_client.get(f"{START}{session.uuid}/").content.decode()
    assert "Your card was declined. No card was recorded." in page


def test_hosted_page_refuses_an_invalid_card_number(acme_client, acme_admin, stripe_acme, stripe_stub):
    _session, url = start_checkout(acme_client, acme_admin)
    status, page, _ = browse(url, {"card_number": "4242 4242 4242 4241", "expiry": "12 / 34"})
    assert status == 400 and "card number is invalid" in page
    assert not stripe_stub.events


def test_removing_a_stripe_card_detaches_it(acme_client, platform_client, acme_admin, stripe_acme, stripe_stub):
    _session, url = start_checkout(acme_client, acme_admin)
    save_card(url)
    deliver(platform_client, stripe_stub)
    method = PaymentMethod.objects.get(provider=Provider.STRIPE)

    acme_client.post(f"/manage/billing/payment-methods/{method.uuid}/remove/")

    assert stripe_stub.objects["payment_methods"][method.provider_payment_method_id]["customer"] is None
    method.refresh_from_db()
    assert method.removed_at is not None
