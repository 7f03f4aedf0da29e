"""Tenant API billing endpoints: tenant admins only (members 403, API keys 403, other tenants 404)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.billing.invoices import invoice_issue_for_period
from apps.billing.models import Invoice, SubscriptionChange
from apps.integrations.tests.conftest import api_key_header
from tests.factories import MembershipFactory

from .conftest import DEC_1, NOV_1, NOV_16

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/billing/plans/"
SUB = "/api/v1/billing/subscription/"
PREVIEW = "/api/v1/billing/subscription/preview/"
CHANGE = "/api/v1/billing/subscription/change/"
INVOICES = "/api/v1/billing/invoices/"


@pytest.fixture
def acme_invoice(acme_subscription) -> Invoice:
    return invoice_issue_for_period(subscription=acme_subscription, period_start=NOV_1, period_end=DEC_1, now=NOV_1)[0]


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOV_16)


@pytest.fixture
def make_key(acme_admin):
    from django_tenants.utils import tenant_context

    from apps.integrations.services import api_key_create

    def _make(tenant, scopes):
        with tenant_context(tenant):
            return api_key_create(name="Billing probe", scopes=list(scopes), acting_user=acme_admin)

    return _make


@pytest.fixture
def admin_client(acme_client, acme_admin):
    acme_client.force_login(acme_admin)
    return acme_client


def test_plans_lists_active_plans(admin_client, starter, professional, plan_factory):
    plan_factory("retired", is_active=False)
    names = [p["name"] for p in admin_client.get(PLANS).json()]
    assert "starter" in names and "professional" in names and "retired" not in names


def test_subscription_shows_plan_cycle_seats_and_renewal(admin_client, acme_subscription):
    body = admin_client.get(SUB).json()
    assert body["id"] == str(acme_subscription.uuid) and body["plan"]["name"] == "starter"
    assert (body["billing_cycle"], body["quantity"], body["status"]) == ("monthly", 1, "active")
    assert body["renewal_amount"] == "49.00"


def test_no_subscription_is_404(admin_client):
    assert admin_client.get(SUB).status_code == 404


def test_preview_returns_lines_and_totals_and_changes_nothing(admin_client, acme_subscription, professional, frozen):
    response = admin_client.post(PREVIEW, {"plan": "professional"}, content_type="application/json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["total"], body["tax_total"], body["currency"], body["immediate"]) == ("55.00", "5.00", "AUD", True)
    assert [line["total"] for line in body["lines"]] == ["-26.95", "81.95"]
    assert body["next_period_amount"] == "163.90"
    acme_subscription.refresh_from_db()
    assert acme_subscription.plan.name == "starter"
    assert not SubscriptionChange.objects.filter(subscription=acme_subscription).exists()


def test_change_applies_and_issues_the_proration_invoice(admin_client, acme_subscription, professional, frozen):
    response = admin_client.post(CHANGE, {"plan": "professional"}, content_type="application/json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "applied" and body["subscription"]["plan"]["name"] == "professional"
    invoice = Invoice.objects.get(uuid=body["invoice"])
    assert invoice.total == Decimal("55.00")


def test_change_errors_have_codes(admin_client, acme_subscription, starter):
    response = admin_client.post(CHANGE, {"plan": "starter"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "no_change"
    response = admin_client.post(PREVIEW, {"quantity": 0}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "min_value"


def test_invoices_list_and_detail_with_lines(admin_client, acme_invoice):
    body = admin_client.get(INVOICES).json()
    assert [row["number"] for row in body["results"]] == [acme_invoice.number]
    detail = admin_client.get(f"{INVOICES}{acme_invoice.uuid}/").json()
    assert detail["total"] == str(acme_invoice.total) and detail["lines"][0]["tax_amount"] == "4.90"


def test_invoice_list_queries_do_not_grow(admin_client, acme_invoice, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        assert admin_client.get(INVOICES).status_code == 200


def test_other_tenant_admin_gets_404_for_acmes_invoice(globex_client, globex, acme_invoice):
    admin = MembershipFactory(tenant=globex, role="tenant_admin", user__email="admin@globex.test").user
    globex_client.force_login(admin)
    assert globex_client.get(f"{INVOICES}{acme_invoice.uuid}/").status_code == 404
    assert globex_client.get(INVOICES).json()["results"] == []


@pytest.mark.parametrize("path", [PLANS, SUB, INVOICES])
def test_members_outsiders_anonymous_and_api_keys_are_refused(
    acme_client, acme, acme_member, globex_member, acme_subscription, make_key, path
):
    assert acme_client.get(path).status_code in (401, 403)
    _, raw = make_key(acme, ["tenant:read"])
    response = acme_client.get(path, **api_key_header(raw))
    assert response.status_code == 403 and response.json()["code"] == "api_key_not_allowed"
    acme_client.force_login(acme_member)
    response = acme_client.get(path)
    assert response.status_code == 403 and response.json()["code"] == "tenant_admin_required"
    acme_client.force_login(globex_member)
    assert acme_client.get(path).status_code == 403


def test_member_cannot_change_the_subscription(acme_client, acme_member, acme_subscription, professional):
    acme_client.force_login(acme_member)
    assert acme_client.post(CHANGE, {"plan": "professional"}, content_type="application/json").status_code == 403
    acme_subscription.refresh_from_db()
    assert acme_subscription.plan.name == "starter"
