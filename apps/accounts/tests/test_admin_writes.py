"""Memberships edited in the staff admin (their own page and the user's inline) go through the
membership services: the same checks as the portal (last admin, seats), history and audit."""

import pytest

from apps.accounts.models import Membership
from apps.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

MEMBERSHIPS = "/admin/accounts/membership/"


def _membership(user, tenant) -> Membership:
    return Membership.objects.get(user=user, tenant=tenant)


def _actions(membership: Membership) -> list[str]:
    rows = AuditEvent.objects.filter(target_type="accounts.membership", target_id=str(membership.pk))
    return list(rows.order_by("sequence").values_list("action", flat=True))


def test_role_and_status_changes_go_through_the_services(
    platform_client, platform_superuser, acme, acme_admin, acme_member
):
    platform_client.force_login(platform_superuser)
    membership = _membership(acme_member, acme)
    url = f"{MEMBERSHIPS}{membership.pk}/change/"
    page = platform_client.get(url).content.decode()
    assert 'name="role"' in page and 'name="status"' in page and 'name="suspended_at"' not in page

    assert platform_client.post(url, {"role": "tenant_admin", "status": "suspended"}).status_code == 302
    membership.refresh_from_db()
    assert (membership.role, membership.status) == ("tenant_admin", "suspended")
    assert membership.suspension_reason == "changed in the staff admin"
    assert _actions(membership) == ["membership.role_changed", "membership.suspended"]
    event = AuditEvent.objects.get(action="membership.suspended", target_id=str(membership.pk))
    assert event.actor_id == platform_superuser.pk and event.before["status"] == "active"
    assert membership.history.latest().history_user_id == platform_superuser.pk


def test_the_last_admin_cannot_be_demoted_from_the_admin(platform_client, platform_superuser, acme, acme_admin):
    platform_client.force_login(platform_superuser)
    Membership.objects.filter(tenant=acme, role="tenant_admin").exclude(user=acme_admin).update(role="member")
    membership = _membership(acme_admin, acme)
    response = platform_client.post(f"{MEMBERSHIPS}{membership.pk}/change/", {"role": "member", "status": "active"},
                                    follow=True)  # fmt: skip
    assert "must keep at least one active tenant admin" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "tenant_admin" and _actions(membership) == []


def test_adding_and_deleting_in_the_admin_use_create_and_remove(platform_client, platform_superuser, globex):
    from tests.factories import UserFactory

    platform_client.force_login(platform_superuser)
    person = UserFactory(email="new@globex.test")
    response = platform_client.post(f"{MEMBERSHIPS}add/", {"user": person.pk, "tenant": globex.pk, "role": "member",
                                                           "status": "active", "joined_via": "signup"})  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-1500:]
    membership = _membership(person, globex)
    assert _actions(membership) == ["membership.created"]

    assert platform_client.post(f"{MEMBERSHIPS}{membership.pk}/delete/", {"post": "yes"}).status_code == 302
    membership.refresh_from_db()  # removed, not deleted: its history and audit trail stay
    assert membership.status == "removed" and _actions(membership) == ["membership.created", "membership.removed"]


def test_the_user_pages_membership_inline_saves_through_the_services(
    platform_client, platform_superuser, acme, acme_member
):
    platform_client.force_login(platform_superuser)
    membership = _membership(acme_member, acme)
    url = f"/admin/accounts/user/{acme_member.pk}/change/"
    data = {
        "email": acme_member.email, "status": acme_member.status, "full_name": acme_member.full_name,
        "role_title": "", "time_zone": acme_member.time_zone, "profile_picture_url": "", "is_active": "on",
        "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "1", "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000", "memberships-0-id": membership.pk, "memberships-0-user": acme_member.pk,
        "memberships-0-tenant": acme.pk, "memberships-0-role": "tenant_admin", "memberships-0-status": "active",
    }  # fmt: skip
    response = platform_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    membership.refresh_from_db()
    assert membership.role == "tenant_admin" and _actions(membership) == ["membership.role_changed"]
