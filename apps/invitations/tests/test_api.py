"""Tenant API for invitations (/api/v1/invitations/...)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.accounts.models import Membership, User
from apps.invitations.models import Invitation
from apps.invitations.services import invitation_create

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-passphrase-42"


@pytest.fixture
def pending(acme, acme_admin) -> Invitation:
    return invitation_create(tenant=acme, email="pending@example.test", role="member", acting_user=acme_admin)


def _writes(pending: Invitation) -> list[tuple[str, dict]]:
    return [
        ("/api/v1/invitations/", {"email": "x@example.test", "role": "member"}),
        (f"/api/v1/invitations/{pending.pk}/resend/", {}),
        (f"/api/v1/invitations/{pending.pk}/cancel/", {"reason": "r"}),
    ]


def _reads(pending: Invitation) -> list[str]:
    return ["/api/v1/invitations/", f"/api/v1/invitations/{pending.pk}/"]


@pytest.mark.parametrize(
    ("actor", "code"),
    [("globex_member", "not_member"), ("acme_suspended", "membership_suspended"), (None, "not_authenticated")],
)
def test_outsiders_are_refused_on_every_endpoint(request, acme_client, pending, actor, code):
    if actor:
        acme_client.force_login(request.getfixturevalue(actor))
    responses = [acme_client.get(url) for url in _reads(pending)]
    responses += [acme_client.post(url, data, content_type="application/json") for url, data in _writes(pending)]
    for response in responses:
        assert response.status_code == 403
        assert response.json()["code"] == code
    assert Invitation.objects.count() == 1
    assert Invitation.objects.get().status == Invitation.Status.PENDING


@pytest.mark.parametrize("actor", ["acme_member", "acme_viewer"])
def test_lower_roles_read_but_cannot_write(request, acme_client, pending, actor):
    acme_client.force_login(request.getfixturevalue(actor))
    assert acme_client.get("/api/v1/invitations/").json()["results"][0]["email"] == "pending@example.test"
    for url, data in _writes(pending):
        response = acme_client.post(url, data, content_type="application/json")
        assert response.status_code == 403
        assert response.json() == {
            "detail": "Only a tenant admin of this organisation may do this.",
            "code": "tenant_admin_required",
        }
    pending.refresh_from_db()
    assert (pending.status, pending.resend_count) == ("pending", 0)


def test_admin_invites(acme_client, acme_admin, django_capture_on_commit_callbacks):
    acme_client.force_login(acme_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = acme_client.post(
            "/api/v1/invitations/", {"email": "api@example.test", "role": "viewer"}, content_type="application/json"
        )
    assert response.status_code == 201
    body = response.json()
    assert (body["email"], body["role"], body["status"], body["invited_by"]) == (
        "api@example.test", "viewer", "pending", acme_admin.email
    )  # fmt: skip
    assert "token" not in body and "token_hash" not in body
    assert "http://acme.localhost/manage/invitations/accept/" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"email": "nope", "role": "member"}, "invalid_email"),
        ({"email": "member@acme.test", "role": "member"}, "already_member"),
        ({"email": "PENDING@example.test", "role": "member"}, "already_invited"),
        ({"email": "ok@example.test", "role": "owner"}, "invalid_choice"),
        ({"role": "member"}, "required"),
    ],
)
def test_bad_input_gets_a_specific_code_and_changes_nothing(acme_client, acme_admin, acme_member, pending, data, code):
    acme_client.force_login(acme_admin)
    response = acme_client.post("/api/v1/invitations/", data, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert Invitation.objects.count() == 1
    assert mail.outbox == []


def test_a_full_tenant_refuses_invitations(acme_client, acme_admin, acme):
    acme.max_users = Membership.objects.filter(tenant=acme).count()
    acme.save(update_fields=["max_users"])
    acme_client.force_login(acme_admin)
    response = acme_client.post("/api/v1/invitations/", {"email": "x@example.test"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "max_users_reached"


def test_resend_cancel_and_their_refusals(acme_client, acme_admin, pending, settings):
    acme_client.force_login(acme_admin)
    for _ in range(settings.INVITATION_MAX_RESENDS_PER_DAY):
        assert acme_client.post(f"/api/v1/invitations/{pending.pk}/resend/").status_code == 200
    response = acme_client.post(f"/api/v1/invitations/{pending.pk}/resend/")
    assert (response.status_code, response.json()["code"]) == (400, "resend_limit")
    response = acme_client.post(f"/api/v1/invitations/{pending.pk}/cancel/", {}, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "required")
    response = acme_client.post(
        f"/api/v1/invitations/{pending.pk}/cancel/", {"reason": "Typo"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancel_reason"]) == ("cancelled", "Typo")
    response = acme_client.post(
        f"/api/v1/invitations/{pending.pk}/cancel/", {"reason": "Again"}, content_type="application/json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "cancelled")


def test_another_tenants_invitation_is_not_found(acme_client, acme_admin, globex):
    theirs = invitation_create(tenant=globex, email="g@example.test", role="member", acting_user=None)
    acme_client.force_login(acme_admin)
    for response in [
        acme_client.get(f"/api/v1/invitations/{theirs.pk}/"),
        acme_client.post(f"/api/v1/invitations/{theirs.pk}/resend/"),
        acme_client.post(f"/api/v1/invitations/{theirs.pk}/cancel/", {"reason": "x"}, content_type="application/json"),
    ]:
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert acme_client.get("/api/v1/invitations/").json()["results"] == []


def test_list_filters_and_does_not_query_per_row(acme_client, acme_admin, acme, django_assert_max_num_queries):
    for i in range(20):
        invitation_create(tenant=acme, email=f"p{i:02}@example.test", role="member", acting_user=acme_admin)
    Invitation.objects.filter(email="p01@example.test").update(expires_at=timezone.now() - timedelta(hours=1))
    acme_client.force_login(acme_admin)
    # The endpoint needs two (membership, page); the rest is routing, session and security middleware.
    with django_assert_max_num_queries(12):
        response = acme_client.get("/api/v1/invitations/")
    assert len(response.json()["results"]) == 20
    expired = acme_client.get("/api/v1/invitations/?status=expired").json()["results"]
    assert [row["email"] for row in expired] == ["p01@example.test"]
    assert expired[0]["status"] == "expired"
    assert len(acme_client.get("/api/v1/invitations/?status=pending").json()["results"]) == 19
    assert [r["email"] for r in acme_client.get("/api/v1/invitations/?q=p07").json()["results"]] == ["p07@example.test"]


# --- The invitee's endpoints ---------------------------------------------------------------------------


def test_accept_creates_the_account_and_reuse_is_refused(acme_client, pending, acme):
    data = {"token": pending.token, "password": PASSWORD, "full_name": "Pat"}
    response = acme_client.post("/api/v1/invitations/accept/", data, content_type="application/json")
    assert response.status_code == 200
    assert (response.json()["role"], response.json()["user"]["email"]) == ("member", "pending@example.test")
    assert Membership.objects.filter(tenant=acme, user__email="pending@example.test").exists()
    response = acme_client.post("/api/v1/invitations/accept/", data, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "This invitation was already accepted.", "code": "already_accepted"}


@pytest.mark.parametrize(
    ("token", "password", "code"),
    [("nonsense", PASSWORD, "invalid_token"), (None, "short", "password_too_short"), (None, "", "password_too_short")],
)
def test_accept_refusals_change_nothing(acme_client, pending, token, password, code):
    data = {"token": token or pending.token, "password": password}
    response = acme_client.post("/api/v1/invitations/accept/", data, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == code
    assert not User.objects.filter(email="pending@example.test").exists()
    pending.refresh_from_db()
    assert pending.status == Invitation.Status.PENDING


def test_accept_after_expiry(acme_client, pending):
    Invitation.objects.filter(pk=pending.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    data = {"token": pending.token, "password": PASSWORD}
    response = acme_client.post("/api/v1/invitations/accept/", data, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "expired" and "This invitation has expired" in response.json()["detail"]
    pending.refresh_from_db()
    assert pending.status == Invitation.Status.EXPIRED


def test_an_existing_user_accepts_signed_in(acme_client, acme_admin, acme, globex_member):
    invitation = invitation_create(tenant=acme, email=globex_member.email, role="viewer", acting_user=acme_admin)
    data = {"token": invitation.token}
    response = acme_client.post("/api/v1/invitations/accept/", data, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "sign_in_required")
    acme_client.force_login(globex_member)
    response = acme_client.post("/api/v1/invitations/accept/", data, content_type="application/json")
    assert response.status_code == 200 and response.json()["role"] == "viewer"


def test_decline(acme_client, pending):
    data = {"token": pending.token, "reason": "No thanks"}
    response = acme_client.post("/api/v1/invitations/decline/", data, content_type="application/json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decline_reason"]) == ("declined", "No thanks")
    response = acme_client.post("/api/v1/invitations/decline/", data, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "already_declined")


def test_the_token_of_one_tenant_is_unknown_on_another(globex_client, pending):
    data = {"token": pending.token, "password": PASSWORD}
    response = globex_client.post("/api/v1/invitations/accept/", data, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_token")
    response = globex_client.post("/api/v1/invitations/decline/", data, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_token")
    pending.refresh_from_db()
    assert pending.status == Invitation.Status.PENDING
