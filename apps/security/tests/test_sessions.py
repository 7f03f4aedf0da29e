"""Tracked web sessions: created on sign-in, last seen at most once a minute, revoked by their owner
or by staff, and "log out everywhere"."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from apps.accounts.services import user_email_mark_verified
from apps.audit.models import AuditEvent
from apps.security import middleware as security_middleware
from apps.security.models import AuthEvent, UserSession
from apps.security.services import user_logout_everywhere, user_session_revoke

from .conftest import CHROME_ON_WINDOWS, PASSWORD, sign_in

pytestmark = pytest.mark.django_db

IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


def _signed_in(browser, user, user_agent=CHROME_ON_WINDOWS) -> Client:
    """A browser signed in through allauth (force_login would not send the browser's user agent)."""
    user_email_mark_verified(user=user, acting_user=None)
    client = browser(HTTP_USER_AGENT=user_agent)
    assert sign_in(client, user.email).status_code == 302
    return client


def test_signing_in_tracks_the_session_with_its_device(acme_client, verified_member):
    response = sign_in(
        acme_client, verified_member.email, HTTP_USER_AGENT=CHROME_ON_WINDOWS, REMOTE_ADDR="198.51.100.7"
    )
    assert response.status_code == 302
    tracked = UserSession.objects.get(user=verified_member)
    assert tracked.session_key == acme_client.session.session_key
    assert (tracked.device_name, tracked.device_type) == ("Chrome on Windows", UserSession.DeviceType.DESKTOP)
    assert tracked.ip_address == "198.51.100.7"
    assert tracked.is_open and tracked.expires_at > tracked.created_at


def test_last_seen_is_written_at_most_once_a_minute(browser, acme_member, monkeypatch):
    client = _signed_in(browser, acme_member)
    tracked = UserSession.objects.get(user=acme_member)
    client.get("/manage/")  # sign-in just wrote last seen: no write for a minute
    client.get("/manage/")
    assert UserSession.objects.get(pk=tracked.pk).last_seen_at == tracked.last_seen_at
    later = security_middleware.time.time() + 61
    monkeypatch.setattr(security_middleware.time, "time", lambda: later)
    client.get("/manage/")
    assert UserSession.objects.get(pk=tracked.pk).last_seen_at > tracked.last_seen_at


def test_a_session_whose_record_was_ended_is_signed_out_at_its_next_write(browser, acme_member, monkeypatch):
    client = _signed_in(browser, acme_member)
    UserSession.objects.filter(user=acme_member).update(
        revoked_at=timezone.now(), end_reason=UserSession.EndReason.REVOKED
    )
    later = security_middleware.time.time() + 61
    monkeypatch.setattr(security_middleware.time, "time", lambda: later)
    client.get("/manage/")
    assert client.get("/manage/").status_code == 302


def test_the_tracked_key_follows_a_password_change(acme_client, verified_member):
    sign_in(acme_client, verified_member.email)
    old_key = acme_client.session.session_key
    response = acme_client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "a-new-long-passphrase-42", "password2": "a-new-long-passphrase-42"},
    )
    assert response.status_code == 302
    new_key = acme_client.session.session_key
    assert new_key != old_key
    # The old tracked session ended with the password change; this browser got a fresh one.
    assert UserSession.objects.get(user=verified_member, revoked_at__isnull=True).session_key == new_key
    assert acme_client.get("/manage/account/").status_code == 200


def test_signing_out_ends_the_tracked_session(acme_client, verified_member):
    sign_in(acme_client, verified_member.email)
    acme_client.post("/accounts/logout/")
    tracked = UserSession.objects.get(user=verified_member)
    assert tracked.end_reason == UserSession.EndReason.SIGNED_OUT and tracked.revoked_at is not None


def test_user_sees_own_sessions_with_the_current_one_marked(browser, acme_member, acme_admin):
    phone = _signed_in(browser, acme_member, IPHONE_SAFARI)
    desk = _signed_in(browser, acme_member)
    _signed_in(browser, acme_admin)  # someone else's session is not listed
    page = desk.get("/manage/account/").content.decode()
    assert "Safari on iPhone" in page and "Chrome on Windows" in page
    assert page.count("(this session)") == 1
    assert phone.get("/manage/account/").status_code == 200
    assert page.count("/revoke/") == 2


def test_user_revokes_another_of_their_sessions(browser, acme_member):
    phone = _signed_in(browser, acme_member, IPHONE_SAFARI)
    desk = _signed_in(browser, acme_member)
    phone_session = UserSession.objects.get(session_key=phone.session.session_key)
    response = desk.post(f"/manage/account/sessions/{phone_session.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/manage/account/"
    phone_session.refresh_from_db()
    assert phone_session.end_reason == UserSession.EndReason.REVOKED
    assert phone_session.revoked_by_id == acme_member.pk
    assert not Session.objects.filter(session_key=phone_session.session_key).exists()
    assert phone.get("/manage/").status_code == 302  # signed out
    assert desk.get("/manage/").status_code == 200
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.SESSION_REVOKED, user_id=acme_member.pk).exists()
    assert AuditEvent.objects.filter(action="user_session.revoked", target_id=str(phone_session.pk)).exists()


def test_revoking_the_current_session_signs_this_browser_out(browser, acme_member):
    desk = _signed_in(browser, acme_member)
    current = UserSession.objects.get(session_key=desk.session.session_key)
    response = desk.post(f"/manage/account/sessions/{current.pk}/revoke/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert desk.get("/manage/").status_code == 302
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGGED_OUT, user_id=acme_member.pk).count() == 0


def test_cannot_revoke_another_users_session(browser, acme_member, acme_admin):
    theirs = _signed_in(browser, acme_admin)
    mine = _signed_in(browser, acme_member)
    their_session = UserSession.objects.get(session_key=theirs.session.session_key)
    assert mine.post(f"/manage/account/sessions/{their_session.pk}/revoke/").status_code == 404
    assert mine.post("/manage/account/sessions/999999999/revoke/").status_code == 404
    their_session.refresh_from_db()
    assert their_session.revoked_at is None
    assert theirs.get("/manage/").status_code == 200


def test_revoking_is_post_only(browser, acme_member):
    desk = _signed_in(browser, acme_member)
    current = UserSession.objects.get(session_key=desk.session.session_key)
    assert desk.get(f"/manage/account/sessions/{current.pk}/revoke/").status_code == 405
    assert UserSession.objects.get(pk=current.pk).revoked_at is None


def test_log_out_everywhere_ends_every_session_and_bumps_token_versions(browser, acme_member):
    phone = _signed_in(browser, acme_member, IPHONE_SAFARI)
    desk = _signed_in(browser, acme_member)
    versions = (acme_member.access_token_version, acme_member.refresh_token_version)
    assert desk.get("/manage/account/sessions/logout-everywhere/").status_code == 200
    response = desk.post("/manage/account/sessions/logout-everywhere/", {"confirm": "on"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    acme_member.refresh_from_db()
    assert (acme_member.access_token_version, acme_member.refresh_token_version) == (versions[0] + 1, versions[1] + 1)
    assert phone.get("/manage/").status_code == 302
    assert desk.get("/manage/").status_code == 302
    assert not UserSession.objects.filter(user=acme_member).open().exists()
    reasons = set(UserSession.objects.filter(user=acme_member).values_list("end_reason", flat=True))
    assert reasons == {UserSession.EndReason.LOGGED_OUT_EVERYWHERE}
    event = AuthEvent.objects.get(kind=AuthEvent.Kind.LOGGED_OUT_EVERYWHERE, user_id=acme_member.pk)
    assert event.detail["sessions"] == 2 and event.tenant_id is not None
    assert AuditEvent.objects.filter(action="user.logged_out_everywhere", target_id=str(acme_member.pk)).exists()


def test_log_out_everywhere_needs_the_confirmation(browser, acme_member):
    desk = _signed_in(browser, acme_member)
    version = acme_member.access_token_version
    response = desk.post("/manage/account/sessions/logout-everywhere/", {})
    assert response.status_code == 200
    assert "Tick the box to confirm" in response.content.decode()
    acme_member.refresh_from_db()
    assert acme_member.access_token_version == version
    assert desk.get("/manage/").status_code == 200


def test_services_can_be_used_without_a_request(browser, acme_member, platform_superuser):
    client = _signed_in(browser, acme_member)
    tracked = UserSession.objects.get(user=acme_member)
    user_session_revoke(user_session=tracked, acting_user=platform_superuser)
    assert client.get("/manage/").status_code == 302
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        user_session_revoke(user_session=tracked, acting_user=platform_superuser)
    assert user_logout_everywhere(user=acme_member, acting_user=None) == 0


def test_staff_revoke_a_session_from_the_admin(browser, platform_client, platform_superuser, acme_member,
                                               django_assert_max_num_queries):  # fmt: skip
    client = _signed_in(browser, acme_member)
    tracked = UserSession.objects.get(user=acme_member)
    platform_client.force_login(platform_superuser)
    with django_assert_max_num_queries(20):
        assert platform_client.get("/admin/security/usersession/?state=open").status_code == 200
    detail = platform_client.get(f"/admin/security/usersession/{tracked.pk}/change/")
    assert detail.status_code == 200 and tracked.session_key not in detail.content.decode()
    response = platform_client.post(
        "/admin/security/usersession/", {"action": "revoke_sessions", "_selected_action": [str(tracked.pk)]}
    )
    assert response.status_code == 302
    tracked.refresh_from_db()
    assert tracked.revoked_by_id == platform_superuser.pk
    assert client.get("/manage/").status_code == 302


def test_non_staff_cannot_use_the_session_admin(platform_client, acme_member, browser):
    _signed_in(browser, acme_member)
    tracked = UserSession.objects.get(user=acme_member)
    platform_client.force_login(acme_member)
    response = platform_client.post(
        "/admin/security/usersession/", {"action": "revoke_sessions", "_selected_action": [str(tracked.pk)]}
    )
    assert response.status_code == 302 and "login" in response["Location"]
    assert UserSession.objects.get(pk=tracked.pk).revoked_at is None
