"""Portal notifications pages: each member's own inbox and preferences; admins' defaults, texts and
failed deliveries; outsiders (another tenant, a plain member on admin pages, anonymous) refused."""

import pytest
from django_tenants.utils import tenant_context

from apps.notifications.models import (
    Delivery,
    Notification,
    NotificationPreference,
    NotificationTemplate,
    QuietHours,
    TenantNotificationDefault,
)

pytestmark = pytest.mark.django_db

INBOX = "/manage/notifications/"
ADMIN_PAGES = [
    "/manage/notifications/settings/",
    "/manage/notifications/templates/",
    "/manage/notifications/failed/",
    "/manage/notifications/templates/edit/?event=ticket.replied&channel=email&language=en",
]


@pytest.fixture
def member_client(acme_client, acme_member):
    acme_client.force_login(acme_member)
    return acme_client


@pytest.fixture
def admin_client(acme_client, acme_admin):
    acme_client.force_login(acme_admin)
    return acme_client


def test_inbox_shows_my_own_unread_first_and_the_bell_counts_them(member_client, acme, acme_member, acme_admin,
                                                                   make_notification):  # fmt: skip
    make_notification(acme, acme_member, title="Old read one", read=True)
    make_notification(acme, acme_member, title="Fresh unread one")
    make_notification(acme, acme_admin, title="Not yours")
    page = member_client.get(INBOX).content.decode()
    assert page.index("Fresh unread one") < page.index("Old read one")
    assert "Not yours" not in page
    assert 'id="notifications-bell"' in page and ">1</span>" in page
    only_unread = member_client.get(INBOX + "?unread=1").content.decode()
    assert "Fresh unread one" in only_unread and "Old read one" not in only_unread


def test_mark_one_and_all_read_touch_only_my_own(member_client, acme, acme_member, acme_admin, make_notification):
    mine = make_notification(acme, acme_member)
    other = make_notification(acme, acme_member)
    theirs = make_notification(acme, acme_admin)
    response = member_client.post(INBOX + "read/", {"ids": [mine.pk, theirs.pk]}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'hx-swap-oob="true"' in response.content.decode()
    with tenant_context(acme):
        assert Notification.objects.get(pk=mine.pk).read_at is not None
        assert Notification.objects.get(pk=theirs.pk).read_at is None
    member_client.post(INBOX + "read/", {"all": "1"})
    with tenant_context(acme):
        assert Notification.objects.get(pk=other.pk).read_at is not None
        assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_opening_marks_read_and_follows_only_a_link_of_this_site(member_client, acme, acme_member, acme_admin,
                                                                 make_notification):  # fmt: skip
    local = make_notification(acme, acme_member, url="http://acme.localhost/manage/support/")
    away = make_notification(acme, acme_member, url="https://evil.example/phish")
    theirs = make_notification(acme, acme_admin, url="http://acme.localhost/manage/")
    assert member_client.get(f"{INBOX}{local.pk}/open/")["Location"] == "http://acme.localhost/manage/support/"
    assert member_client.get(f"{INBOX}{away.pk}/open/")["Location"] == INBOX
    assert member_client.get(f"{INBOX}{theirs.pk}/open/").status_code == 404
    with tenant_context(acme):
        assert Notification.objects.get(pk=local.pk).read_at is not None


def test_preferences_switch_a_channel_off_but_never_a_critical_one(member_client, acme, acme_member):
    page = member_client.get(INBOX + "preferences/").content.decode()
    assert 'name="pref:security:email"' in page and "disabled" in page
    # Everything unticked: the support and billing channels go off, security (critical) stays on.
    response = member_client.post(INBOX + "preferences/", {"digest:support": "daily", "start": "22:00", "end": "07:00",
                                                            "time_zone": "Australia/Sydney"})  # fmt: skip
    assert response.status_code == 302
    with tenant_context(acme):
        prefs = dict(NotificationPreference.objects.filter(user=acme_member).values_list("category", "enabled")
                     .filter(channel="email"))  # fmt: skip
        assert prefs.get("support") is False and "security" not in prefs
        quiet = QuietHours.objects.get(user=acme_member)
        assert (quiet.start.hour, quiet.end.hour, quiet.time_zone) == (22, 7, "Australia/Sydney")


def test_bad_quiet_hours_are_refused_and_nothing_is_written(member_client, acme, acme_member):
    response = member_client.post(INBOX + "preferences/", {"start": "22:00", "end": "", "time_zone": "UTC"})
    assert response.status_code == 400
    response = member_client.post(INBOX + "preferences/", {"start": "22:00", "end": "06:00", "time_zone": "Mars/Base"})
    assert response.status_code == 400 and "Unknown time zone" in response.content.decode()
    with tenant_context(acme):
        assert not QuietHours.objects.filter(user=acme_member).exists()
        assert not NotificationPreference.objects.filter(user=acme_member).exists()


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_refuse_members_outsiders_and_anonymous(acme_client, acme_member, globex_member, path):
    assert acme_client.get(path).status_code == 302  # sign in first
    acme_client.force_login(acme_member)
    assert acme_client.get(path).status_code == 403
    acme_client.force_login(globex_member)
    assert acme_client.get(path).status_code == 403


def test_an_outsider_sees_no_inbox(acme_client, globex_member):
    acme_client.force_login(globex_member)
    assert acme_client.get(INBOX).status_code == 403
    assert acme_client.post(INBOX + "read/", {"all": "1"}).status_code == 403


def test_admin_sets_a_tenant_default(admin_client, acme):
    response = admin_client.post("/manage/notifications/settings/", {"default:support:in_app": "on"})
    assert response.status_code == 302
    with tenant_context(acme):
        assert TenantNotificationDefault.objects.get(category="support", channel="email").enabled is False
        assert not TenantNotificationDefault.objects.filter(category="security").exists()


def test_admin_overrides_a_text_with_a_preview_then_reverts(admin_client, acme):
    page = admin_client.get("/manage/notifications/templates/").content.decode()
    assert "ticket.replied" in page and "invitation.sent" in page
    key = {"event": "ticket.replied", "channel": "email", "language": "en"}
    draft = {**key, "title": "Reply on {{ number }}", "body": "Hi"}
    preview = admin_client.post("/manage/notifications/templates/preview/", draft, HTTP_HX_REQUEST="true")
    assert preview.status_code == 200 and "Reply on" in preview.content.decode()
    broken = admin_client.post("/manage/notifications/templates/preview/", {**key, "title": "{% if %}", "body": ""})
    assert "does not compile" in broken.content.decode()
    refused = admin_client.post("/manage/notifications/templates/edit/", {**key, "title": "{% if %}", "body": "x"})
    assert refused.status_code == 400
    saved = admin_client.post("/manage/notifications/templates/edit/", {**key, "title": "Re {{ number }}", "body": "B"})
    assert saved.status_code == 302
    with tenant_context(acme):
        assert NotificationTemplate.objects.get(**key).title == "Re {{ number }}"
    admin_client.post("/manage/notifications/templates/revert/", key)
    with tenant_context(acme):
        assert not NotificationTemplate.objects.filter(**key).exists()
    assert admin_client.get("/manage/notifications/templates/edit/?event=nope.never&channel=email").status_code == 404


def test_failed_deliveries_are_listed_and_retried(admin_client, acme, acme_member, make_notification):
    notification = make_notification(acme, acme_member)
    with tenant_context(acme):
        failed = Delivery.objects.create(notification=notification, event_key=notification.event_key,
                                         recipient_key=notification.recipient_key, channel="email", status="failed",
                                         attempts=5, last_error="SMTP 550 mailbox unavailable")  # fmt: skip
    page = admin_client.get("/manage/notifications/failed/?channel=email").content.decode()
    assert "SMTP 550" in page
    assert "SMTP 550" not in admin_client.get("/manage/notifications/failed/?channel=sms").content.decode()
    assert admin_client.post("/manage/notifications/failed/retry/", {"ids": [failed.pk]}).status_code == 302
    with tenant_context(acme):
        assert Delivery.objects.get(pk=failed.pk).status in ("pending", "sending", "sent", "failed")
        assert Delivery.objects.get(pk=failed.pk).attempts <= 1


def test_inbox_queries_do_not_grow(member_client, acme, acme_member, make_notification, django_assert_max_num_queries):
    make_notification(acme, acme_member)
    with django_assert_max_num_queries(40) as captured:
        member_client.get(INBOX)
    few = len(captured)
    for _ in range(10):
        make_notification(acme, acme_member)
    with django_assert_max_num_queries(few):
        member_client.get(INBOX)


def test_home_block_shows_unread(member_client, acme, acme_member, make_notification):
    make_notification(acme, acme_member, title="Look at me")
    page = member_client.get("/manage/").content.decode()
    assert "home-notifications-title" in page and "Look at me" in page
