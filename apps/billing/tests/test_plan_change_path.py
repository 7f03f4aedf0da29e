"""One plan-change path: the staff "change plan" action (tenancy admin) goes through the same subscription
change as the portal and API (hook `tenancy.plan_change` answered by billing), and absurd seat counts
are refused with a 400 naming the field, never a 500."""

from datetime import timedelta

import pytest
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.accounts.models import Membership
from apps.audit.models import AuditEvent
from apps.billing.models import SubscriptionChange
from apps.billing.portal.forms import ChangeForm
from apps.billing.services import change_preview
from apps.tenancy.admin_actions import plan_change
from apps.tenancy.models import Tenant
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
CHANGED = ("kind", "status", "from_plan", "to_plan", "from_cycle", "to_cycle", "from_quantity", "to_quantity",
           "currency", "reason")  # fmt: skip


@pytest.fixture
def staff(platform_client, platform_superuser):
    platform_client.force_login(platform_superuser)
    return platform_client


@pytest.fixture
def current(make_subscription):
    """make a subscription whose period is running now (10 days in, 20 to go)."""
    now = timezone.now()

    def make(tenant, **fields):
        return make_subscription(tenant, current_period_start=now - timedelta(days=10),
                                 current_period_end=now + timedelta(days=20), **fields)  # fmt: skip

    return make


@pytest.fixture
def globex_admin(globex):
    return MembershipFactory(tenant=globex, role=Membership.Role.TENANT_ADMIN, user__email="admin@globex.test").user


def _staff_change(client, tenants, plan):
    data = {"action": "change_plan", helpers.ACTION_CHECKBOX_NAME: [str(t.pk) for t in tenants], "confirm": "yes",
            "plan": str(plan.pk)}  # fmt: skip
    return client.post("/admin/tenancy/tenant/", data)


def _row(change: SubscriptionChange) -> tuple:
    return tuple(getattr(change, field) for field in CHANGED)


def test_staff_and_portal_plan_changes_write_the_same_change(
    staff, acme, globex, globex_admin, globex_client, current, starter, professional
):
    Tenant.objects.filter(pk__in=[acme.pk, globex.pk]).update(plan=starter)
    acme_sub, globex_sub = current(acme), current(globex)
    response = _staff_change(staff, [acme], professional)
    assert response.status_code == 302
    globex_client.force_login(globex_admin)
    api = globex_client.post("/api/v1/billing/subscription/change/", {"plan": "professional"},
                             content_type="application/json")  # fmt: skip
    assert api.status_code == 200, api.content
    staff_change, portal_change = acme_sub.changes.get(kind="plan"), globex_sub.changes.get(kind="plan")
    assert _row(staff_change) == _row(portal_change)
    assert staff_change.status == "applied" and staff_change.invoice is not None and portal_change.invoice is not None
    assert abs(staff_change.proration_amount - portal_change.proration_amount) <= 1
    for tenant, subscription in ((acme, acme_sub), (globex, globex_sub)):
        tenant.refresh_from_db()
        subscription.refresh_from_db()
        assert subscription.plan == tenant.plan == professional
        assert tenant.max_users == professional.max_users
        assert AuditEvent.objects.filter(action="billing.subscription_changed", target_id=str(subscription.pk)).exists()
    assert staff_change.acting_user.is_superuser


def test_a_staff_downgrade_is_scheduled_by_the_plan_rule_like_the_portals(staff, acme, current, starter, professional):
    Tenant.objects.filter(pk=acme.pk).update(plan=professional)
    subscription = current(acme, plan=professional)
    _staff_change(staff, [acme], starter)
    change = subscription.changes.get(kind="plan")
    assert (change.status, change.to_plan) == ("scheduled", starter)  # professional's downgrade rule: at renewal
    acme.refresh_from_db()
    assert acme.plan == professional  # follows the subscription at the renewal


def test_a_tenant_without_a_subscription_gets_a_plain_plan_change(staff, acme, starter):
    _staff_change(staff, [acme], starter)
    acme.refresh_from_db()
    assert acme.plan == starter and acme.max_users == starter.max_users
    assert not SubscriptionChange.objects.filter(subscription__tenant=acme).exists()


def test_the_hook_refusal_is_reported_per_tenant(staff, acme, current, starter):
    Tenant.objects.filter(pk=acme.pk).update(plan=starter)
    current(acme)
    response = _staff_change(staff, [acme], starter)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("This is the subscription as it is now." in m for m in messages)


def test_the_plan_change_function_answers_through_billing(acme, current, starter, professional):
    Tenant.objects.filter(pk=acme.pk).update(plan=starter)
    subscription = current(acme)
    change = plan_change(tenant=acme, plan=professional, acting_user=None)
    assert isinstance(change, SubscriptionChange) and change.subscription_id == subscription.pk


@pytest.mark.parametrize("quantity", [10**30, -1, "1e999", 0, 100_001, "many", 2.5])
def test_absurd_seat_counts_are_a_400_naming_quantity(acme_subscription, acme_admin, acme_client, quantity):
    acme_client.force_login(acme_admin)
    for url in ("/api/v1/billing/subscription/change/", "/api/v1/billing/subscription/preview/"):
        response = acme_client.post(url, {"quantity": quantity}, content_type="application/json")
        assert response.status_code == 400, (url, response.content)
        assert "quantity" in response.json()["detail"] or "quantity" in response.json(), response.json()
    acme_subscription.refresh_from_db()
    assert acme_subscription.quantity == 1


def test_the_service_guards_the_seat_count_too(acme_subscription):
    for quantity in (10**30, 0, 100_001):
        with pytest.raises(ValidationError) as error:
            change_preview(subscription=acme_subscription, quantity=quantity)
        assert "quantity" in error.value.error_dict


def test_the_portal_form_bounds_the_seats(acme_subscription):
    form = ChangeForm(data={"plan": acme_subscription.plan_id, "billing_cycle": "monthly", "quantity": str(10**30)},
                      subscription=acme_subscription)  # fmt: skip
    assert not form.is_valid() and "quantity" in form.errors
