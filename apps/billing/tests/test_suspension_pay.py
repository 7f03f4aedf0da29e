"""A tenant suspended by dunning keeps its billing pages (and sign-in) so an admin can pay the overdue
invoice from the portal, which reactivates it at once; a staff suspension keeps everything closed."""

import pytest

from apps.billing.dunning import SUSPENSION_PREFIX
from apps.billing.models import Invoice, InvoiceStatus, SubscriptionStatus
from apps.billing.services import subscription_status_set
from apps.tenancy import lifecycle
from apps.tenancy.models import Tenant

from .test_payments import billed, card_add, open_invoice, subscription_make

pytestmark = pytest.mark.django_db

OVERVIEW = "/manage/billing/"


@pytest.fixture
def overdue(acme, platform_superuser) -> Invoice:
    """Acme as dunning leaves it after the last failed retry: invoice open, subscription and tenant suspended."""
    billed(acme)
    subscription = subscription_make(acme)
    invoice = open_invoice(subscription)
    Invoice.objects.filter(pk=invoice.pk).update(payment_attempts=5)
    subscription_status_set(subscription=subscription, status=SubscriptionStatus.SUSPENDED)
    lifecycle.tenant_suspend(tenant=acme, acting_user=None, reason=f"{SUSPENSION_PREFIX}{invoice.number}")
    invoice.refresh_from_db()
    return invoice


def pay_url(invoice: Invoice) -> str:
    return f"/manage/billing/invoices/{invoice.uuid}/pay/"


def test_billing_suspension_leaves_billing_and_sign_in_open(acme_client, acme_admin, overdue):
    home = acme_client.get("/manage/")  # anonymous: still the suspended page, with the way out
    assert home.status_code == 403 and f'href="{OVERVIEW}"' in home.content.decode()
    assert acme_client.get("/accounts/login/").status_code == 200
    acme_client.force_login(acme_admin)

    page = acme_client.get(OVERVIEW)

    assert page.status_code == 200
    text = page.content.decode()
    assert "is suspended" in text and overdue.number in text and pay_url(overdue) in text
    assert acme_client.get("/manage/members/").status_code == 403  # the rest stays closed
    assert acme_client.get("/api/v1/tenant/").status_code == 403


def test_staff_suspension_keeps_billing_closed(acme_client, acme_admin, acme, platform_superuser):
    lifecycle.tenant_suspend(tenant=acme, acting_user=platform_superuser, reason="Abuse report")
    acme_client.force_login(acme_admin)
    assert acme_client.get(OVERVIEW).status_code == 403
    assert acme_client.get("/accounts/login/").status_code == 403


def test_admin_pays_the_overdue_invoice_and_the_tenant_is_active_again(acme_client, acme_admin, acme, overdue):
    card_add(acme, last4="4242")
    acme_client.force_login(acme_admin)

    response = acme_client.post(pay_url(overdue), follow=True)

    assert f"Invoice {overdue.number} is paid" in response.content.decode()
    overdue.refresh_from_db()
    acme.refresh_from_db()
    assert overdue.status == InvoiceStatus.PAID and acme.status == Tenant.Status.ACTIVE
    assert overdue.subscription.status == SubscriptionStatus.ACTIVE
    assert acme_client.get("/manage/members/").status_code == 200


def test_a_declined_pay_now_says_why_and_stays_suspended(acme_client, acme_admin, acme, overdue):
    card_add(acme, last4="0002")
    acme_client.force_login(acme_admin)

    response = acme_client.post(pay_url(overdue), follow=True)

    assert "failed: The card was declined." in response.content.decode()
    acme.refresh_from_db()
    assert acme.status == Tenant.Status.SUSPENDED


@pytest.mark.parametrize("who", ["acme_member", "globex_member"])
def test_pay_now_refused_to_members_and_outsiders(acme_client, overdue, who, request, acme):
    card_add(acme, last4="4242")
    Tenant.objects.filter(pk=acme.pk).update(status=Tenant.Status.ACTIVE)  # the role check, not the suspension
    acme_client.force_login(request.getfixturevalue(who))
    assert acme_client.post(pay_url(overdue)).status_code == 403
    overdue.refresh_from_db()
    assert overdue.status == InvoiceStatus.OPEN


def test_another_tenants_invoice_cannot_be_paid(globex_client, globex, overdue):
    from tests.factories import MembershipFactory

    admin = MembershipFactory(tenant=globex, role="tenant_admin", user__email="admin@globex.test").user
    globex_client.force_login(admin)
    assert globex_client.post(pay_url(overdue)).status_code == 404
    overdue.refresh_from_db()
    assert overdue.status == InvoiceStatus.OPEN
