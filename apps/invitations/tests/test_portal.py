"""Portal pages for invitations (/manage/invitations/) and the invitee's public accept/decline pages."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.accounts.models import Membership, User
from apps.invitations.models import Invitation
from apps.invitations.services import invitation_cancel, invitation_create
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-passphrase-42"


@pytest.fixture
def pending(acme, acme_admin) -> Invitation:
    return invitation_create(tenant=acme, email="pending@example.test", role="member", acting_user=acme_admin)


def _text(response) -> str:
    return response.content.decode()


# --- Who may use which page ----------------------------------------------------------------------------


def _admin_pages(pending: Invitation) -> list[tuple[str, str]]:
    return [
        ("get", "/manage/invitations/new/"),
        ("post", "/manage/invitations/new/"),
        ("post", f"/manage/invitations/{pending.pk}/resend/"),
        ("post", f"/manage/invitations/{pending.pk}/cancel/"),
    ]


@pytest.mark.parametrize("actor", ["globex_member", "acme_suspended"])
def test_outsiders_are_refused_on_every_page(request, acme_client, pending, actor):
    acme_client.force_login(request.getfixturevalue(actor))
    for method, url in [("get", "/manage/invitations/"), *_admin_pages(pending)]:
        response = getattr(acme_client, method)(url, {"email": "x@example.test", "role": "member", "reason": "r"})
        assert response.status_code == 403, url
    assert Invitation.objects.count() == 1
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_the_suspended_member_is_told_why(acme_client, acme_suspended):
    acme_client.force_login(acme_suspended)
    assert "suspended" in _text(acme_client.get("/manage/invitations/"))


@pytest.mark.parametrize("actor", ["acme_member", "acme_viewer"])
def test_lower_roles_may_look_but_not_change(request, acme_client, pending, actor):
    acme_client.force_login(request.getfixturevalue(actor))
    response = acme_client.get("/manage/invitations/")
    assert response.status_code == 200
    assert "pending@example.test" in _text(response)
    assert "Resend" not in _text(response) and "Invite someone" not in _text(response)
    for method, url in _admin_pages(pending):
        response = getattr(acme_client, method)(url, {"email": "x@example.test", "role": "member", "reason": "r"})
        assert response.status_code == 403, url
        assert "Only a tenant admin" in _text(response)
    assert Invitation.objects.count() == 1
    pending.refresh_from_db()
    assert (pending.status, pending.resend_count) == (Invitation.Status.PENDING, 0)


def test_anonymous_visitors_are_sent_to_sign_in(acme_client, pending):
    for method, url in [("get", "/manage/invitations/"), *_admin_pages(pending)]:
        response = getattr(acme_client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_another_tenants_invitation_is_not_found(acme_client, acme_admin, globex):
    theirs = invitation_create(tenant=globex, email="g@example.test", role="member", acting_user=None)
    acme_client.force_login(acme_admin)
    assert acme_client.post(f"/manage/invitations/{theirs.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert acme_client.post(f"/manage/invitations/{theirs.pk}/resend/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Invitation.Status.PENDING


# --- Admin pages ------------------------------------------------------------------------------------


def test_admin_invites_from_the_portal(acme_client, acme_admin, django_capture_on_commit_callbacks):
    acme_client.force_login(acme_admin)
    assert acme_client.get("/manage/invitations/new/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = acme_client.post("/manage/invitations/new/", {"email": "Fresh@Example.test", "role": "viewer"})
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="fresh@example.test")
    assert (invitation.role, invitation.invited_by) == ("viewer", acme_admin)
    (message,) = mail.outbox
    assert "http://acme.localhost/manage/invitations/accept/" in message.body
    assert "Invitation sent to fresh@example.test" in _text(acme_client.get(response["Location"]))


@pytest.mark.parametrize(
    ("email", "error"),
    [
        ("not-an-email", "is not a valid email address"),
        ("member@acme.test", "already a member of Acme"),
        ("pending@example.test", "already has a pending invitation"),
    ],
)
def test_invite_form_shows_a_specific_error_and_changes_nothing(
    acme_client, acme_admin, acme_member, pending, email, error
):
    acme_client.force_login(acme_admin)
    response = acme_client.post("/manage/invitations/new/", {"email": email, "role": "member"})
    assert response.status_code == 200
    assert error in _text(response)
    assert Invitation.objects.count() == 1
    assert mail.outbox == []


def test_invite_form_says_when_the_tenant_is_full(acme_client, acme_admin, acme):
    acme.max_users = Membership.objects.filter(tenant=acme).count()
    acme.save(update_fields=["max_users"])
    acme_client.force_login(acme_admin)
    response = acme_client.post("/manage/invitations/new/", {"email": "one@example.test", "role": "member"})
    assert "has reached its limit" in _text(response)
    assert not Invitation.objects.exists()


def test_admin_resends_and_cancels(acme_client, acme_admin, pending, django_capture_on_commit_callbacks):
    acme_client.force_login(acme_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = acme_client.post(f"/manage/invitations/{pending.pk}/resend/", follow=True)
    assert "Invitation sent again to pending@example.test" in _text(response)
    assert len(mail.outbox) == 1
    response = acme_client.post(f"/manage/invitations/{pending.pk}/cancel/", {"reason": ""}, follow=True)
    assert "Give a reason for cancelling." in _text(response)
    pending.refresh_from_db()
    assert pending.status == Invitation.Status.PENDING
    response = acme_client.post(f"/manage/invitations/{pending.pk}/cancel/", {"reason": "Typo"}, follow=True)
    assert "Invitation to pending@example.test cancelled" in _text(response)
    pending.refresh_from_db()
    assert (pending.status, pending.cancel_reason, pending.cancelled_by) == ("cancelled", "Typo", acme_admin)
    response = acme_client.post(f"/manage/invitations/{pending.pk}/resend/", follow=True)
    assert "This invitation was cancelled." in _text(response)


def test_resend_limit_is_shown(acme_client, acme_admin, pending):
    Invitation.objects.filter(pk=pending.pk).update(resend_day_count=3, last_resent_at=timezone.now())
    acme_client.force_login(acme_admin)
    response = acme_client.post(f"/manage/invitations/{pending.pk}/resend/", follow=True)
    assert "already resent 3 times today" in _text(response)


def test_list_filters_and_does_not_query_per_row(acme_client, acme_admin, acme, django_assert_max_num_queries):
    for i in range(30):
        invitation_create(tenant=acme, email=f"p{i:02}@example.test", role="member", acting_user=acme_admin)
    gone = Invitation.objects.get(email="p00@example.test")
    invitation_cancel(invitation=gone, acting_user=acme_admin, reason="no")
    Invitation.objects.filter(email="p01@example.test").update(expires_at=timezone.now() - timedelta(hours=1))
    acme_client.force_login(acme_admin)
    # The page needs three (membership, count, page); the rest is routing, session and security middleware.
    with django_assert_max_num_queries(14):
        response = acme_client.get("/manage/invitations/")
    assert response.status_code == 200 and "Page 1 of 2" in _text(response)
    assert "p00@example.test" not in _text(acme_client.get("/manage/invitations/?status=pending&page=2"))
    expired = _text(acme_client.get("/manage/invitations/?status=expired"))
    assert "p01@example.test" in expired and "p02@example.test" not in expired
    assert "p00@example.test" in _text(acme_client.get("/manage/invitations/?status=cancelled"))
    found = _text(acme_client.get("/manage/invitations/?q=p29"))
    assert "p29@example.test" in found and "p28@example.test" not in found


# --- The invitee's pages -----------------------------------------------------------------------------


def test_a_new_person_creates_their_account_and_joins(acme_client, pending, acme):
    url = f"/manage/invitations/accept/{pending.token}/"
    response = acme_client.get(url)
    assert response.status_code == 200
    assert "Create your account for pending@example.test" in _text(response)
    response = acme_client.post(url, {"full_name": "Pat", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    user = User.objects.get(email="pending@example.test")
    assert user.check_password(PASSWORD) and user.email_verified_at is not None
    assert Membership.objects.get(user=user, tenant=acme).joined_via == "invitation"
    # The link is used up.
    response = acme_client.get(url)
    assert response.status_code == 400 and "already accepted" in _text(response)
    response = acme_client.post(url, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 400 and "already accepted" in _text(response)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"password1": "short", "password2": "short"}, "at least 12 characters"),
        ({"password1": PASSWORD, "password2": PASSWORD + "x"}, "The two passwords differ."),
        ({"password1": "123456789012345", "password2": "123456789012345"}, "entirely numeric"),
    ],
)
def test_a_bad_password_is_refused_and_nothing_is_created(acme_client, pending, data, error):
    response = acme_client.post(f"/manage/invitations/accept/{pending.token}/", data)
    assert response.status_code == 400
    assert error in _text(response)
    assert not User.objects.filter(email="pending@example.test").exists()
    pending.refresh_from_db()
    assert pending.status == Invitation.Status.PENDING


def test_an_expired_link_says_so_and_is_marked_expired(acme_client, pending):
    Invitation.objects.filter(pk=pending.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    url = f"/manage/invitations/accept/{pending.token}/"
    response = acme_client.get(url)
    assert response.status_code == 400 and "This invitation has expired" in _text(response)
    response = acme_client.post(url, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 400 and "This invitation has expired" in _text(response)
    pending.refresh_from_db()
    assert pending.status == Invitation.Status.EXPIRED
    assert not User.objects.filter(email="pending@example.test").exists()


def test_unknown_tokens_and_other_tenants_links_are_not_valid(acme_client, globex_client, pending):
    assert acme_client.get("/manage/invitations/accept/nonsense/").status_code == 404
    response = globex_client.get(f"/manage/invitations/accept/{pending.token}/")
    assert response.status_code == 404 and "not valid" in _text(response)
    response = globex_client.post(f"/manage/invitations/decline/{pending.token}/", {"reason": "x"})
    assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.status == Invitation.Status.PENDING


def test_an_existing_user_signs_in_then_accepts(acme_client, acme_admin, acme, globex_member):
    invitation = invitation_create(tenant=acme, email=globex_member.email, role="member", acting_user=acme_admin)
    url = f"/manage/invitations/accept/{invitation.token}/"
    response = acme_client.get(url)
    assert "Sign in to accept" in _text(response) and "/accounts/login/?next=" in _text(response)
    response = acme_client.post(url)
    assert response.status_code == 400
    assert not Membership.objects.filter(user=globex_member, tenant=acme).exists()
    acme_client.force_login(globex_member)
    assert f"signed in as {globex_member.email}" in _text(acme_client.get(url))
    response = acme_client.post(url)
    assert response.status_code == 302 and response["Location"] == "/manage/"
    assert Membership.objects.get(user=globex_member, tenant=acme).status == "active"
    assert acme_client.get("/manage/").status_code == 200


def test_someone_signed_in_as_another_person_cannot_accept(acme_client, pending, acme_member):
    acme_client.force_login(acme_member)
    url = f"/manage/invitations/accept/{pending.token}/"
    assert "you are signed in as member@acme.test" in _text(acme_client.get(url))
    response = acme_client.post(url, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 400
    assert not User.objects.filter(email="pending@example.test").exists()


def test_accepting_when_the_tenant_is_full_is_refused(acme_client, pending, acme):
    acme.max_users = Membership.objects.filter(tenant=acme).count()
    acme.save(update_fields=["max_users"])
    url = f"/manage/invitations/accept/{pending.token}/"
    response = acme_client.post(url, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 400 and "has reached its limit" in _text(response)
    assert not User.objects.filter(email="pending@example.test").exists()


def test_the_invitee_declines_with_a_reason(acme_client, pending):
    url = f"/manage/invitations/decline/{pending.token}/"
    assert acme_client.get(url).status_code == 200
    response = acme_client.post(url, {"reason": "Wrong company"})
    assert response.status_code == 200 and "Invitation declined" in _text(response)
    pending.refresh_from_db()
    assert (pending.status, pending.decline_reason) == ("declined", "Wrong company")
    response = acme_client.post(url, {"reason": "again"})
    assert response.status_code == 400 and "was declined" in _text(response)


def test_a_suspended_member_invited_elsewhere_is_still_refused_here(acme_client, acme_suspended, globex):
    """Being invited to another tenant gives no access to this one."""
    invitation_create(tenant=globex, email=acme_suspended.email, role="member", acting_user=None)
    MembershipFactory(tenant=globex, user=acme_suspended)
    acme_client.force_login(acme_suspended)
    assert acme_client.get("/manage/invitations/").status_code == 403
