"""Portal billing pages (/manage/billing/): tenant admins only; a change is previewed before it applies."""

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.billing import services
from apps.billing.invoices import invoice_issue_for_period
from apps.billing.models import Invoice, PaymentMethod, Subscription, SubscriptionChange
from apps.billing.portal.services import payment_method_add

from .conftest import DEC_1, NOV_1, NOV_16

pytestmark = pytest.mark.django_db

OVERVIEW = "/manage/billing/"
CHANGE = "/manage/billing/change/"
INVOICES = "/manage/billing/invoices/"
CARD_NEW = "/manage/billing/payment-methods/new/"


def invoice_url(invoice: Invoice) -> str:
    return f"/manage/billing/invoices/{invoice.uuid}/"


@pytest.fixture
def acme_invoice(acme_subscription) -> Invoice:
    return invoice_issue_for_period(subscription=acme_subscription, period_start=NOV_1, period_end=DEC_1, now=NOV_1)[0]


@pytest.fixture
def frozen(monkeypatch):
    """Now is 16 Nov 2026 00:00 UTC: halfway through the subscription's November period."""
    monkeypatch.setattr(timezone, "now", lambda: NOV_16)
    return NOV_16


def test_overview_shows_plan_cycle_seats_status_renewal_and_invoices(acme_client, acme_admin, acme_invoice):
    acme_client.force_login(acme_admin)
    response = acme_client.get(OVERVIEW)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Starter" in page and "Monthly" in page and "Active" in page
    assert "2026-12-01" in page and "49.00 AUD" in page  # next renewal: date and amount
    assert acme_invoice.number in page and invoice_url(acme_invoice) in page


def test_printable_invoice_is_the_tenants_own_only(acme_client, globex_client, acme_admin, globex, acme_invoice):
    acme_client.force_login(acme_admin)
    response = acme_client.get(invoice_url(acme_invoice))
    assert response.status_code == 200 and acme_invoice.number in response.content.decode()
    from tests.factories import MembershipFactory

    globex_admin = MembershipFactory(tenant=globex, role="tenant_admin", user__email="admin@globex.test").user
    globex_client.force_login(globex_admin)
    assert globex_client.get(invoice_url(acme_invoice)).status_code == 404
    assert acme_invoice.number not in globex_client.get(INVOICES).content.decode()


@pytest.mark.parametrize("path", [OVERVIEW, CHANGE, INVOICES, CARD_NEW])
def test_members_outsiders_and_anonymous_are_refused(acme_client, acme_member, globex_member, acme_subscription, path):
    assert acme_client.get(path).status_code == 302  # to sign in
    acme_client.force_login(acme_member)
    assert acme_client.get(path).status_code == 403
    acme_client.force_login(globex_member)
    assert acme_client.get(path).status_code == 403


def test_member_cannot_see_an_invoice_or_change_the_plan(acme_client, acme_member, acme_invoice, professional):
    acme_client.force_login(acme_member)
    assert acme_client.get(invoice_url(acme_invoice)).status_code == 403
    data = {"plan": professional.pk, "billing_cycle": "monthly", "quantity": 1, "confirm": "1"}
    assert acme_client.post(CHANGE, data).status_code == 403
    assert Subscription.objects.get(pk=acme_invoice.subscription_id).plan.name == "starter"


def test_preview_shows_exact_amounts_and_changes_nothing_until_confirmed(
    acme_client, acme_admin, acme_subscription, professional, frozen
):
    acme_client.force_login(acme_admin)
    data = {"plan": professional.pk, "billing_cycle": "monthly", "quantity": 1}
    response = acme_client.post(CHANGE, data | {"preview": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    expected = services.change_preview(subscription=acme_subscription, plan=professional, now=NOV_16)
    # Halfway: credit 24.50 of starter, charge 74.50 of professional, GST 10 % on each line.
    assert expected.total == Decimal("55.00") and expected.tax_total == Decimal("5.00")
    for line in expected.lines:
        assert line.description in page and str(line.total) in page and str(line.tax_amount) in page
    assert "55.00 AUD" in page and "5.00" in page and "Confirm the change" in page
    assert "Takes effect immediately (2026-11-16" in page
    acme_subscription.refresh_from_db()
    assert acme_subscription.plan.name == "starter"
    assert not SubscriptionChange.objects.filter(subscription=acme_subscription).exists()
    assert not Invoice.objects.filter(subscription=acme_subscription).exists()

    response = acme_client.post(CHANGE, data | {"confirm": "1"})
    assert response.status_code == 302 and response["Location"] == OVERVIEW
    acme_subscription.refresh_from_db()
    assert acme_subscription.plan.name == "professional"
    change = SubscriptionChange.objects.get(subscription=acme_subscription, kind="plan")
    assert change.invoice is not None and change.invoice.total == Decimal("55.00")


def test_downgrade_preview_says_at_renewal(acme_client, acme_admin, acme_subscription, plan_factory, frozen):
    cheap = plan_factory("mini", price_monthly=Decimal("19.00"), price_quarterly=Decimal("50.00"),
                         price_annual=Decimal("190.00"))  # fmt: skip
    acme_client.force_login(acme_admin)
    page = acme_client.post(CHANGE, {"plan": cheap.pk, "billing_cycle": "monthly", "quantity": 1}).content.decode()
    assert "Takes effect at the renewal on 2026-12-01" in page


def test_preview_errors_are_shown_on_the_form(acme_client, acme_admin, acme_subscription, starter):
    acme_client.force_login(acme_admin)
    response = acme_client.post(CHANGE, {"plan": starter.pk, "billing_cycle": "monthly", "quantity": 1})
    assert response.status_code == 400
    assert "as it is now" in response.content.decode()  # no_change


def test_add_card_set_default_and_remove_keeps_history(acme_client, acme, acme_admin):
    acme_client.force_login(acme_admin)
    data = {"brand": "Visa", "last4": "4242", "exp_month": 12, "exp_year": timezone.localdate().year + 2}
    assert acme_client.post(CARD_NEW, data | {"make_default": "on"}).status_code == 302
    assert acme_client.post(CARD_NEW, data | {"last4": "0002"}).status_code == 302
    first, second = PaymentMethod.objects.filter(tenant=acme).order_by("created_at")
    assert first.is_default and not second.is_default
    page = acme_client.get(OVERVIEW).content.decode()
    assert "<td>Visa •••• 4242</td>" in page and "<td>Visa •••• 0002</td>" in page

    acme_client.post(f"/manage/billing/payment-methods/{second.uuid}/default/")
    first.refresh_from_db(), second.refresh_from_db()
    assert second.is_default and not first.is_default

    acme_client.post(f"/manage/billing/payment-methods/{first.uuid}/remove/")
    first.refresh_from_db()
    assert first.removed_at is not None  # kept, not deleted
    assert first.history.count() >= 2
    assert "<td>Visa •••• 4242</td>" not in acme_client.get(OVERVIEW).content.decode()


def test_card_form_refuses_bad_digits_and_expired_cards(acme_client, acme, acme_admin):
    acme_client.force_login(acme_admin)
    response = acme_client.post(CARD_NEW, {"brand": "Visa", "last4": "42", "exp_month": 1, "exp_year": 2020})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"last4", "exp_year"}
    assert not PaymentMethod.objects.filter(tenant=acme).exists()


def test_globex_admin_cannot_touch_acmes_cards(acme, globex, globex_client, acme_admin):
    from tests.factories import MembershipFactory

    method = payment_method_add(tenant=acme, brand="Visa", last4="4242", exp_month=1, exp_year=2099,
                                acting_user=acme_admin)  # fmt: skip
    globex_admin = MembershipFactory(tenant=globex, role="tenant_admin", user__email="admin@globex.test").user
    globex_client.force_login(globex_admin)
    assert globex_client.post(f"/manage/billing/payment-methods/{method.uuid}/remove/").status_code == 404
    method.refresh_from_db()
    assert method.removed_at is None


def test_billing_email_edit(acme_client, acme, acme_admin, acme_member):
    acme_client.force_login(acme_admin)
    assert acme_client.post("/manage/billing/billing-email/", {"billing_email": "ap@acme.test"}).status_code == 302
    acme.refresh_from_db()
    assert acme.billing_email == "ap@acme.test"
    assert acme_client.post("/manage/billing/billing-email/", {"billing_email": "nope"}).status_code == 400
    acme_client.force_login(acme_member)
    assert acme_client.post("/manage/billing/billing-email/", {"billing_email": "x@evil.test"}).status_code == 403
    acme.refresh_from_db()
    assert acme.billing_email == "ap@acme.test"


def test_invoice_list_and_overview_queries_do_not_grow(acme_client, acme_admin, acme_subscription):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def issue(month: int) -> None:
        from datetime import UTC, datetime

        start, end = datetime(2025, month, 1, tzinfo=UTC), datetime(2025, month + 1, 1, tzinfo=UTC)
        invoice_issue_for_period(subscription=acme_subscription, period_start=start, period_end=end, now=start)

    acme_client.force_login(acme_admin)
    issue(1)
    acme_client.get(OVERVIEW)  # warm the per-session portal caches (menu, entity)
    counts = []
    for months in ([], range(2, 10)):
        for month in months:
            issue(month)
        with CaptureQueriesContext(connection) as queries:
            assert acme_client.get(INVOICES).status_code == 200
            assert acme_client.get(OVERVIEW).status_code == 200
        counts.append([q["sql"][:150] for q in queries.captured_queries])
    import difflib

    assert len(counts[0]) == len(counts[1]), "\n".join(difflib.unified_diff(counts[0], counts[1], lineterm=""))
