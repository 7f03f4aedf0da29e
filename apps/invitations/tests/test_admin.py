"""The staff admin for invitations: readable, searchable, and cancelling goes through the service."""

import pytest

from apps.invitations.models import Invitation
from apps.invitations.services import invitation_create

pytestmark = pytest.mark.django_db


def test_staff_list_and_cancel_invitations(platform_client, platform_superuser, acme, acme_admin):
    invitation = invitation_create(tenant=acme, email="adm@example.test", role="member", acting_user=acme_admin)
    platform_client.force_login(platform_superuser)
    response = platform_client.get("/admin/invitations/invitation/?status__exact=pending&q=adm")
    assert response.status_code == 200 and "adm@example.test" in response.content.decode()
    detail = platform_client.get(f"/admin/invitations/invitation/{invitation.pk}/change/")
    assert detail.status_code == 200 and invitation.token_hash not in detail.content.decode()
    assert platform_client.get("/admin/invitations/invitation/add/").status_code == 403
    response = platform_client.post(
        "/admin/invitations/invitation/",
        {"action": "cancel_selected", "_selected_action": [invitation.pk]},
        follow=True,
    )
    assert "Cancelled 1 invitation(s)." in response.content.decode()
    invitation.refresh_from_db()
    assert (invitation.status, invitation.cancelled_by) == (Invitation.Status.CANCELLED, platform_superuser)
    assert invitation.cancel_reason == "Cancelled by platform staff"


def test_tenant_members_cannot_reach_the_staff_admin(platform_client, acme_admin):
    platform_client.force_login(acme_admin)
    response = platform_client.get("/admin/invitations/invitation/")
    assert response.status_code == 302 and "login" in response["Location"]
