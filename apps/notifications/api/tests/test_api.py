"""Tenant API /api/v1/notifications/…: the caller's own data; API keys, outsiders and anonymous refused."""

import pytest
from django_tenants.utils import tenant_context

from apps.integrations.services import api_key_create
from apps.integrations.tests.conftest import api_key_header
from apps.notifications.models import Notification, NotificationPreference, QuietHours

pytestmark = pytest.mark.django_db

BASE = "/api/v1/notifications/"


@pytest.fixture
def member_client(acme_client, acme_member):
    acme_client.force_login(acme_member)
    return acme_client


def test_list_is_my_own_with_filters(member_client, acme, acme_member, acme_admin, make_notification):
    make_notification(acme, acme_member, title="Mine read", read=True, category="billing")
    make_notification(acme, acme_member, title="Mine unread")
    make_notification(acme, acme_admin, title="Theirs")
    titles = [n["title"] for n in member_client.get(BASE).json()["results"]]
    assert sorted(titles) == ["Mine read", "Mine unread"]
    assert [n["title"] for n in member_client.get(BASE + "?unread=1").json()["results"]] == ["Mine unread"]
    assert [n["title"] for n in member_client.get(BASE + "?category=billing").json()["results"]] == ["Mine read"]
    response = member_client.get(BASE + "?category=astrology")
    assert response.status_code == 400 and response.json()["code"] == "unknown_category"


def test_unread_count_and_mark_read(member_client, acme, acme_member, acme_admin, make_notification):
    first = make_notification(acme, acme_member)
    make_notification(acme, acme_member)
    theirs = make_notification(acme, acme_admin)
    assert member_client.get(BASE + "unread-count/").json() == {"unread": 2, "capped": False}
    body = {"ids": [first.pk, theirs.pk]}
    assert member_client.post(BASE + "read/", body, content_type="application/json").json() == {"marked": 1}
    assert member_client.post(BASE + "read/", body, content_type="application/json").json() == {"marked": 0}
    assert member_client.post(BASE + "read/", {}, content_type="application/json").status_code == 400
    assert member_client.post(BASE + "read/", {"all": True}, content_type="application/json").json() == {"marked": 1}
    with tenant_context(acme):
        assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_preferences_read_and_change_all_or_nothing(member_client, acme, acme_member):
    state = member_client.get(BASE + "preferences/").json()
    security = next(c for c in state["categories"] if c["key"] == "security")
    assert security["critical"] and all(ch["locked"] for ch in security["channels"] if ch["channel"] == "email")
    change = {"preferences": [{"category": "support", "channel": "email", "enabled": False}],
              "digests": [{"category": "support", "frequency": "weekly"}],
              "quiet_hours": {"start": "21:00", "end": "06:30", "time_zone": "Europe/London"}}  # fmt: skip
    response = member_client.put(BASE + "preferences/", change, content_type="application/json")
    assert response.status_code == 200
    support = next(c for c in response.json()["categories"] if c["key"] == "support")
    assert support["digest"] == "weekly"
    assert next(ch for ch in support["channels"] if ch["channel"] == "email")["enabled"] is False
    assert response.json()["quiet_hours"]["time_zone"] == "Europe/London"
    bad = {"preferences": [{"category": "support", "channel": "in_app", "enabled": False},
                           {"category": "security", "channel": "email", "enabled": False}]}  # fmt: skip
    response = member_client.put(BASE + "preferences/", bad, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "critical_locked"
    with tenant_context(acme):  # the first change of the refused request was rolled back
        assert not NotificationPreference.objects.filter(user=acme_member, channel="in_app").exists()
    off = member_client.put(BASE + "preferences/", {"quiet_hours": None}, content_type="application/json")
    assert off.json()["quiet_hours"] is None
    with tenant_context(acme):
        assert not QuietHours.objects.filter(user=acme_member).exists()


@pytest.mark.parametrize("path", ["", "unread-count/", "preferences/"])
def test_api_keys_outsiders_and_anonymous_are_refused(acme_client, acme, acme_admin, globex_member, path):
    assert acme_client.get(BASE + path).status_code in (401, 403)  # anonymous
    with tenant_context(acme):
        _, raw = api_key_create(name="Probe", scopes=["notifications:read", "notifications:write"],
                                acting_user=acme_admin)  # fmt: skip
    response = acme_client.get(BASE + path, **api_key_header(raw))
    assert response.status_code == 403 and response.json()["code"] == "person_required"
    acme_client.force_login(globex_member)
    assert acme_client.get(BASE + path).status_code == 403
