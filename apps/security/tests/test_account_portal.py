"""The account pages: only the signed-in active member of this tenant, only their own account."""

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from apps.audit.models import AuditEvent
from apps.security.models import UserSession

pytestmark = pytest.mark.django_db

PAGES = ["/manage/account/", "/manage/account/profile/", "/manage/account/sessions/logout-everywhere/"]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(acme_client, url):
    response = acme_client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", PAGES)
def test_a_member_of_another_tenant_is_refused(acme_client, globex_member, url):
    acme_client.force_login(globex_member)
    assert acme_client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_a_suspended_member_is_refused(acme_client, acme_suspended, url):
    acme_client.force_login(acme_suspended)
    assert acme_client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_every_role_sees_only_their_own_account(acme_client, acme_viewer, acme_admin, url):
    acme_client.force_login(acme_viewer)
    response = acme_client.get(url)
    assert response.status_code == 200
    assert acme_admin.email not in response.content.decode()


def test_outsiders_cannot_post_either(acme_client, globex_member, acme_suspended, acme_member):
    acme_client.force_login(acme_member)
    session = UserSession.objects.get(user=acme_member)
    for outsider in (globex_member, acme_suspended):
        acme_client.force_login(outsider)
        assert acme_client.post(f"/manage/account/sessions/{session.pk}/revoke/").status_code == 403
        assert acme_client.post("/manage/account/sessions/logout-everywhere/", {"confirm": "on"}).status_code == 403
        assert acme_client.post("/manage/account/profile/", {"time_zone": "UTC"}).status_code == 403
    assert UserSession.objects.get(pk=session.pk).revoked_at is None


def test_the_account_page_lists_factors_and_sessions(acme_client, acme_member, browser, django_assert_max_num_queries):
    TOTP.activate(acme_member, generate_totp_secret())
    RecoveryCodes.activate(acme_member)
    for _ in range(4):  # more sessions must not mean more queries
        browser().force_login(acme_member)
    acme_client.force_login(acme_member)
    # 13: the first request after sign-in computes the person's security policy once (then cached);
    # one is the top bar's unread-notifications badge (an index-only capped count); one lists the
    # person's sign-in code factors (email, SMS; issue 19).
    with django_assert_max_num_queries(13):
        response = acme_client.get("/manage/account/")
    page = response.content.decode()
    assert "TOTP" in page and "Recovery codes" in page
    assert page.count("/revoke/") == 5 and page.count("(this session)") == 1
    for link in (
        "/accounts/2fa/",
        "/accounts/2fa/webauthn/",
        "/accounts/2fa/recovery-codes/",
        "/accounts/password/change/",
    ):
        assert f'href="{link}"' in page


def test_profile_update(acme_client, acme_member):
    acme_client.force_login(acme_member)
    response = acme_client.post(
        "/manage/account/profile/",
        {
            "full_name": "Ada Lovelace", "role_title": "Analyst", "time_zone": "Europe/Madrid",
            "profile_picture_url": "https://example.test/ada.png",
        },
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/manage/account/"
    acme_member.refresh_from_db()
    assert (acme_member.full_name, acme_member.role_title, acme_member.time_zone) == (
        "Ada Lovelace", "Analyst", "Europe/Madrid",
    )  # fmt: skip
    assert acme_member.profile_picture_url == "https://example.test/ada.png"
    audit = AuditEvent.objects.get(action="user.profile_updated", target_id=str(acme_member.pk))
    assert audit.after["time_zone"] == "Europe/Madrid"
    assert acme_member.history.first().full_name == "Ada Lovelace"


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("time_zone", "Mars/Olympus_Mons", "is not an IANA time zone"),
        ("time_zone", "", "This field is required."),
        ("profile_picture_url", "javascript:alert(1)", "Enter a valid URL."),
        ("full_name", "x" * 201, "at most 200 characters"),
    ],
)
def test_bad_profile_input_is_refused_and_changes_nothing(acme_client, acme_member, field, value, error):
    acme_client.force_login(acme_member)
    before = (acme_member.full_name, acme_member.time_zone, acme_member.profile_picture_url)
    data = {"full_name": "New Name", "time_zone": "UTC", "profile_picture_url": "", field: value}
    response = acme_client.post("/manage/account/profile/", data)
    assert response.status_code == 200
    assert error in response.content.decode().replace("&#x27;", "'")
    acme_member.refresh_from_db()
    assert (acme_member.full_name, acme_member.time_zone, acme_member.profile_picture_url) == before
