"""Coupons edited in the staff admin go through coupon_create / coupon_update (history + audit)."""

import pytest

from apps.audit.models import AuditEvent
from apps.billing.models import Coupon

pytestmark = pytest.mark.django_db

COUPONS = "/admin/billing/coupon/"


def test_coupon_add_and_change_are_audited(platform_client, billing_staff, starter):
    platform_client.force_login(billing_staff)
    form = {"code": "LAUNCH20", "name": "Launch", "discount_type": "percent", "percent_off": "20", "currency": "",
            "duration": "once", "plans": [starter.pk], "is_active": "on"}  # fmt: skip
    assert platform_client.post(f"{COUPONS}add/", form).status_code == 302
    coupon = Coupon.objects.get(code="LAUNCH20")
    created = AuditEvent.objects.get(action="billing.coupon_created", target_id=str(coupon.pk))
    assert created.actor_id == billing_staff.pk and created.after["code"] == "LAUNCH20"
    assert list(coupon.plans.all()) == [starter]

    response = platform_client.post(f"{COUPONS}{coupon.pk}/change/", {**form, "name": "Launch week"})
    assert response.status_code == 302
    updated = AuditEvent.objects.get(action="billing.coupon_updated", target_id=str(coupon.pk))
    assert (updated.before, updated.after) == ({"name": "Launch"}, {"name": "Launch week"})
    assert coupon.history.latest().history_user_id == billing_staff.pk
