"""Staff billing console: billing admins and super admins write (through the services), support cannot."""

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.utils import timezone

from apps.billing.invoices import invoice_issue_for_period
from apps.billing.models import Coupon, CreditNote, Invoice, InvoiceStatus, Subscription, SubscriptionChange
from apps.reference.models import Country

from .conftest import DEC_1, NOV_1, NOV_16

pytestmark = pytest.mark.django_db

SUBS = "/admin/billing/subscription/"
INVOICES = "/admin/billing/invoice/"
COUPONS = "/admin/billing/coupon/"


@pytest.fixture
def acme_invoice(acme_subscription) -> Invoice:
    return invoice_issue_for_period(subscription=acme_subscription, period_start=NOV_1, period_end=DEC_1, now=NOV_1)[0]


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOV_16)


def ok(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.mark.parametrize(
    "path",
    [SUBS, INVOICES, COUPONS, "/admin/billing/payment/", "/admin/billing/paymentmethod/", "/admin/billing/creditnote/",
     "/admin/billing/billingalert/", "/admin/billing/processedwebhookevent/", "/admin/reference/country/",
     "/admin/billing/subscription/dashboard/"],
)  # fmt: skip
def test_superuser_sees_every_billing_list(platform_client, platform_superuser, acme_invoice, path):
    platform_client.force_login(platform_superuser)
    ok(platform_client.get(path))


def test_subscription_list_filters_and_search(platform_client, billing_staff, acme_subscription):
    platform_client.force_login(billing_staff)
    page = ok(platform_client.get(SUBS, {"q": "acm", "status__exact": "active"}))
    assert "Acme" in page and "Revenue dashboard" in page
    assert "Acme" not in ok(platform_client.get(SUBS, {"q": "globex"})).split('id="changelist"')[1]


def test_billing_admin_previews_then_applies_a_plan_change(
    platform_client, billing_staff, acme_subscription, professional, frozen
):
    platform_client.force_login(billing_staff)
    url = f"{SUBS}{acme_subscription.pk}/change-plan/"
    assert "Preview" in ok(platform_client.get(url))
    data = {"plan": professional.pk, "billing_cycle": "monthly", "quantity": 1}
    page = ok(platform_client.post(url, data | {"preview": "Preview"}))
    assert "55.00 AUD" in page and "Apply this change" in page
    acme_subscription.refresh_from_db()
    assert acme_subscription.plan.name == "starter"  # nothing changed by the preview

    response = platform_client.post(url, data | {"confirm": "Apply"})
    assert response.status_code == 302
    acme_subscription.refresh_from_db()
    assert acme_subscription.plan.name == "professional"
    change = SubscriptionChange.objects.get(subscription=acme_subscription, kind="plan")
    assert change.acting_user == billing_staff and change.invoice.total == Decimal("55.00")
    page = ok(platform_client.get(f"{SUBS}{acme_subscription.pk}/change/"))
    assert "Plan change" in page  # the changes inline


def test_action_redirects_one_subscription_to_the_change_view(platform_client, billing_staff, acme_subscription):
    platform_client.force_login(billing_staff)
    response = platform_client.post(SUBS, {"action": "preview_plan_change",
                                           ACTION_CHECKBOX_NAME: [acme_subscription.pk]})  # fmt: skip
    assert response.status_code == 302 and response["Location"].endswith(f"{acme_subscription.pk}/change-plan/")


def test_support_cannot_see_or_change_billing(platform_client, support_staff, acme_invoice, professional):
    platform_client.force_login(support_staff)
    sub = acme_invoice.subscription
    for path in (SUBS, f"{SUBS}{sub.pk}/change/", INVOICES, COUPONS, f"{INVOICES}{acme_invoice.pk}/printable/",
                 "/admin/billing/subscription/dashboard/"):  # fmt: skip
        assert platform_client.get(path).status_code == 403, path
    data = {"plan": professional.pk, "billing_cycle": "monthly", "quantity": 1, "confirm": "Apply"}
    assert platform_client.post(f"{SUBS}{sub.pk}/change-plan/", data).status_code == 403
    assert platform_client.post(f"{COUPONS}add/", {"code": "HACK", "name": "x"}).status_code == 403
    response = platform_client.post(INVOICES, {"action": "void_invoices", ACTION_CHECKBOX_NAME: [acme_invoice.pk],
                                               "confirm": "yes", "reason": "x"})  # fmt: skip
    assert response.status_code == 403
    sub.refresh_from_db(), acme_invoice.refresh_from_db()
    assert sub.plan.name == "starter" and acme_invoice.status == InvoiceStatus.OPEN
    assert not Coupon.objects.filter(code="HACK").exists()


def test_subscription_fields_are_read_only_even_for_a_superuser(platform_client, platform_superuser, acme_subscription):
    platform_client.force_login(platform_superuser)
    platform_client.post(f"{SUBS}{acme_subscription.pk}/change/", {"quantity": 99, "status": "ended"})
    acme_subscription.refresh_from_db()
    assert acme_subscription.quantity == 1 and acme_subscription.status == Subscription.Status.ACTIVE


def test_invoice_page_links_to_the_printable_invoice(platform_client, billing_staff, acme_invoice):
    platform_client.force_login(billing_staff)
    page = ok(platform_client.get(f"{INVOICES}{acme_invoice.pk}/change/"))
    printable = f"{INVOICES}{acme_invoice.pk}/printable/"
    assert printable in page and "Printable invoice" in page
    assert "Starter" in page  # the lines inline
    assert acme_invoice.number in ok(platform_client.get(printable))


def test_void_asks_for_a_reason_then_issues_a_credit_note(platform_client, billing_staff, acme_invoice):
    platform_client.force_login(billing_staff)
    data = {"action": "void_invoices", ACTION_CHECKBOX_NAME: [acme_invoice.pk]}
    assert "Voided" in ok(platform_client.post(INVOICES, data))  # the confirmation page
    acme_invoice.refresh_from_db()
    assert acme_invoice.status == InvoiceStatus.OPEN
    response = platform_client.post(INVOICES, data | {"confirm": "yes", "reason": "Billed twice"})
    assert response.status_code == 302
    acme_invoice.refresh_from_db()
    assert acme_invoice.status == InvoiceStatus.VOID
    assert CreditNote.objects.get(invoice=acme_invoice).reason == "Billed twice"


def test_mark_uncollectible(platform_client, billing_staff, acme_invoice):
    platform_client.force_login(billing_staff)
    data = {"action": "mark_uncollectible", ACTION_CHECKBOX_NAME: [acme_invoice.pk], "confirm": "yes",
            "reason": "Company closed"}  # fmt: skip
    assert platform_client.post(INVOICES, data).status_code == 302
    acme_invoice.refresh_from_db()
    assert acme_invoice.status == InvoiceStatus.UNCOLLECTIBLE


def test_retry_payment_pays_with_the_default_card(platform_client, billing_staff, acme, acme_admin, acme_invoice):
    from apps.billing.portal.services import payment_method_add

    payment_method_add(tenant=acme, brand="Visa", last4="4242", exp_month=1, exp_year=2099, acting_user=acme_admin)
    platform_client.force_login(billing_staff)
    response = platform_client.post(INVOICES, {"action": "retry_payment", ACTION_CHECKBOX_NAME: [acme_invoice.pk]})
    assert response.status_code == 302
    acme_invoice.refresh_from_db()
    assert acme_invoice.status == InvoiceStatus.PAID


def test_billing_admin_edits_coupons(platform_client, billing_staff, starter):
    platform_client.force_login(billing_staff)
    data = {"code": "LAUNCH20", "name": "Launch", "discount_type": "percent", "percent_off": "20", "currency": "",
            "duration": "once", "plans": [starter.pk], "is_active": "on"}  # fmt: skip
    response = platform_client.post(f"{COUPONS}add/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    coupon = Coupon.objects.get(code="LAUNCH20")
    assert coupon.percent_off == Decimal("20") and list(coupon.plans.all()) == [starter]


def test_super_admin_and_billing_edit_countries_support_does_not(
    platform_client, platform_superuser, au_country, billing_staff, support_staff
):
    platform_client.force_login(platform_superuser)
    ok(platform_client.get(f"/admin/reference/country/{au_country.pk}/change/"))
    platform_client.force_login(billing_staff)  # tax rates and currencies are billing's reference data
    ok(platform_client.get(f"/admin/reference/country/{au_country.pk}/change/"))
    platform_client.force_login(support_staff)
    assert platform_client.get(f"/admin/reference/country/{au_country.pk}/change/").status_code == 403
    assert Country.objects.get(code="AU").tax_rate == Decimal("0.1000")


@pytest.mark.parametrize("path", [SUBS, INVOICES, "/admin/billing/payment/"])
def test_lists_cost_the_same_queries_at_any_size(platform_client, platform_superuser, starter, path):
    from apps.billing.models import Payment
    from apps.tenancy.models import Tenant, TenantStatus

    def grow(prefix: str, count: int) -> None:
        rows = Tenant.objects.bulk_create(
            Tenant(
                name=f"{prefix} {i}", slug=f"{prefix}-{i}", schema_name=f"t_{prefix}_{i}", status=TenantStatus.ACTIVE
            )
            for i in range(count)
        )
        for i, tenant in enumerate(rows):
            sub = Subscription.objects.create(tenant=tenant, plan=starter, status="active", current_period_start=NOV_1,
                                              current_period_end=DEC_1)  # fmt: skip
            invoice = Invoice.objects.create(tenant=tenant, subscription=sub, status="open", series=prefix,
                                             sequence_number=i + 1, number=f"{prefix}-{i}", total=Decimal("1"),
                                             idempotency_key=f"{prefix}-{i}")  # fmt: skip
            Payment.objects.create(tenant=tenant, invoice=invoice, amount=Decimal("1"), currency="AUD",
                                   idempotency_key=f"p-{prefix}-{i}")  # fmt: skip

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    platform_client.force_login(platform_superuser)
    grow("few", 2)
    with CaptureQueriesContext(connection) as few:
        ok(platform_client.get(path))
    grow("many", 20)
    with CaptureQueriesContext(connection) as many:
        ok(platform_client.get(path))
    assert len(many.captured_queries) == len(few.captured_queries)
