"""Portal, API and the calendar feed: who may do what, the feed's content and rotation, query counts."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar
from rest_framework.test import APIClient

from apps.organisation.models import MemberProfile
from apps.rosters.models import CalendarFeed, Roster, Shift, ShiftType
from apps.rosters.services import roster_create, roster_publish, shifts_assign
from apps.solutions.services import solution_access_grant

API = "/api/v1/attendance/"
PORTAL = "/manage/attendance/rosters/"


def _api(user):
    client = APIClient(HTTP_HOST="acme.localhost")
    client.force_authenticate(user)
    return client


def _portal(user):
    client = Client(HTTP_HOST="acme.localhost")
    client.force_login(user)
    return client


@pytest.fixture
def published(site, acme_ctx, worker, acme_member):
    """A published roster of this week and next with day shifts for the worker and the member."""
    today = timezone.localdate()
    with acme_ctx():
        roster = roster_create(
            workplace=site,
            name="Now",
            start_date=today - dt.timedelta(days=3),
            end_date=today + dt.timedelta(days=10),
            acting_user=None,
        )
        shifts_assign(
            roster=roster,
            users=[worker, acme_member],
            shift_type=ShiftType.objects.get(code="DAY"),
            days=[today + dt.timedelta(days=i) for i in range(-2, 9)],
            acting_user=None,
        )
        roster_publish(roster=roster, acting_user=None)
    return roster


@pytest.fixture
def granted(acme_ctx, acme_admin, acme_member, worker, roles, acme_root):
    with acme_ctx():
        for user in (acme_member, worker):
            solution_access_grant(solution_code="attendance", user=user, acting_user=acme_admin)


@pytest.fixture
def manager(acme_ctx, acme_member, worker, granted):
    """The member manages the worker (a reporting line)."""
    with acme_ctx():
        boss = MemberProfile.objects.create(user=acme_member)
        MemberProfile.objects.create(user=worker, manager=boss)
    return acme_member


def test_admin_manages_rosters_through_the_api(published, acme_admin, worker, django_assert_max_num_queries):
    client = _api(acme_admin)
    with django_assert_max_num_queries(15):
        rosters = client.get(API + "rosters/?workplace=SYD-CBD&status=published").json()
    assert [r["id"] for r in rosters["results"]] == [published.pk] and rosters["results"][0]["shift_count"] == 22
    with django_assert_max_num_queries(15):
        shifts = client.get(API + f"rosters/{published.pk}/shifts/?page_size=200").json()["results"]
    assert len(shifts) == 22 and shifts[0]["workplace"]["code"] == "SYD-CBD"
    new = client.post(
        API + "rosters/",
        {"workplace": "PARRAMATTA", "start_date": "2027-03-01", "end_date": "2027-03-14"},
        format="json",
    )
    assert new.status_code == 201, new.content
    roster_id = new.json()["id"]
    made = client.post(
        API + f"rosters/{roster_id}/shifts/",
        {"users": [str(worker.pk)], "shift_type": "DAY", "rrule": "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270314"},
        format="json",
    )
    assert made.status_code == 201, made.content
    assert [s["local_date"] for s in made.json()] == ["2027-03-01", "2027-03-03", "2027-03-08", "2027-03-10"]
    clash = client.post(
        API + f"rosters/{roster_id}/shifts/",
        {"user": str(worker.pk), "day": "2027-03-01", "start_time": "12:00", "end_time": "13:00"},
        format="json",
    )
    assert clash.status_code == 400 and clash.json()["code"] == "double_booking"
    unbounded = client.post(
        API + f"rosters/{roster_id}/shifts/",
        {"users": [str(worker.pk)], "shift_type": "DAY", "rrule": "FREQ=DAILY"},
        format="json",
    )
    assert unbounded.status_code == 400 and unbounded.json()["code"] == "unbounded_rrule"
    first = client.post(API + f"rosters/{roster_id}/publish/")
    again = client.post(API + f"rosters/{roster_id}/publish/")
    assert (first.json()["published"], again.json()["published"]) == (4, 0)
    shift_id = made.json()[0]["id"]
    moved = client.patch(API + f"shifts/{shift_id}/", {"start_time": "10:00", "end_time": "18:00"}, format="json")
    assert moved.status_code == 200 and moved.json()["scheduled_minutes"] == 450
    assert client.delete(API + f"shifts/{shift_id}/").status_code == 204
    assert client.get(API + f"shifts/{shift_id}/").json()["status"] == "cancelled"
    created = client.post(
        API + "shift-types/",
        {"code": "EVE", "name": "Evening", "start_time": "17:00", "end_time": "23:00", "unpaid_break_minutes": 400},
        format="json",
    )
    assert created.status_code == 400 and created.json()["code"] == "breaks_too_long"


def test_members_read_only_their_own_and_need_access(
    published, acme_member, worker, acme_ctx, acme_admin, roles, acme_root, django_assert_max_num_queries
):
    client = _api(acme_member)
    assert client.get(API + "me/shifts/").json()["code"] == "solution_access_required"
    with acme_ctx():
        solution_access_grant(solution_code="attendance", user=acme_member, acting_user=acme_admin)
    with django_assert_max_num_queries(15):
        mine = client.get(API + "me/shifts/").json()["results"]
    assert len(mine) == 11 and {s["user"]["id"] for s in mine} == {str(acme_member.pk)}
    everyone = client.get(API + "shifts/").json()["results"]
    assert {s["user"]["id"] for s in everyone} == {str(acme_member.pk)}  # not a manager: own only
    assert client.get(API + "rosters/").json()["code"] == "roster_manager_required"
    assert client.post(API + f"rosters/{published.pk}/publish/").status_code == 403
    assert (
        client.post(
            API + "shift-types/", {"code": "X", "name": "X", "start_time": "09:00", "end_time": "10:00"}, format="json"
        ).status_code
        == 403
    )
    with acme_ctx():
        other = Shift.objects.filter(user=worker).first()
    assert client.get(API + f"shifts/{other.pk}/").status_code in (403, 404)


def test_managers_roster_only_their_reports(published, manager, worker, acme_admin, acme_ctx):
    client = _api(manager)
    team = client.get(API + "shifts/").json()["results"]
    assert {s["user"]["id"] for s in team} == {str(manager.pk), str(worker.pk)}
    roster_id = client.post(
        API + "rosters/", {"workplace": "SYD-CBD", "start_date": "2027-05-03", "end_date": "2027-05-09"}, format="json"
    ).json()["id"]
    ok = client.post(
        API + f"rosters/{roster_id}/shifts/",
        {"user": str(worker.pk), "day": "2027-05-03", "shift_type": "DAY"},
        format="json",
    )
    assert ok.status_code == 201, ok.content
    refused = client.post(
        API + f"rosters/{roster_id}/shifts/",
        {"user": str(acme_admin.pk), "day": "2027-05-03", "shift_type": "DAY"},
        format="json",
    )
    assert refused.status_code == 403 and refused.json()["code"] == "not_your_report"


def test_outsiders_and_plans_without_attendance_are_refused(published, globex_member, acme, acme_admin):
    assert _api(globex_member).get(API + "rosters/").status_code == 403
    assert _api(globex_member).get(API + "me/shifts/").status_code == 403
    assert _portal(globex_member).get(PORTAL).status_code in (302, 403)


def test_feed_content_rotation_and_unknown_tokens(published, acme_member, granted, acme_ctx):
    client = _api(acme_member)
    url = client.get(API + "me/calendar-feed/").json()["url"]
    path = url[url.index("/calendar/") :]
    anonymous = Client(HTTP_HOST="acme.localhost")
    response = anonymous.get(path)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 11
    with acme_ctx():
        shift = Shift.objects.filter(user=acme_member).order_by("starts_at").first()
    first = next(e for e in events if str(e["UID"]) == f"shift-{shift.pk}@acme.rosters")
    assert first.decoded("DTSTART") == shift.starts_at and first.decoded("DTEND") == shift.ends_at
    assert str(first["SUMMARY"]) == "Day at Sydney CBD Store" and "500 George Street" in str(first["LOCATION"])
    assert str(first["STATUS"]) == "CONFIRMED"
    assert anonymous.get(path).content.count(b"BEGIN:VEVENT") == 11  # stable
    rotated = client.post(API + "me/calendar-feed/").json()["url"]
    assert rotated != url
    assert anonymous.get(path).status_code == 404
    assert anonymous.get(rotated[rotated.index("/calendar/") :]).status_code == 200
    assert anonymous.get("/calendar/shifts/not-a-token.ics").status_code == 404


def test_feed_marks_cancelled_shifts(published, acme_member, acme_ctx):
    from apps.rosters.services import shift_remove

    with acme_ctx():
        shift = Shift.objects.filter(user=acme_member).order_by("starts_at").last()
        shift_remove(shift=shift, acting_user=None)
        token = CalendarFeed.objects.create(user=acme_member).token
    body = Client(HTTP_HOST="acme.localhost").get(f"/calendar/shifts/{token}.ics").content.decode()
    assert body.count("STATUS:CANCELLED") == 1


def test_api_keys_cannot_use_me_endpoints(published, acme_ctx, acme_admin):
    from apps.integrations.services import api_key_create

    with acme_ctx():
        _, raw = api_key_create(name="K", scopes=["attendance:read"], acting_user=acme_admin)
    key = Client(HTTP_HOST="acme.localhost", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    for path in ("me/shifts/", "me/calendar-feed/"):
        response = key.get(API + path)
        assert response.status_code == 403 and response.json()["code"] == "person_required"


def test_portal_pages(published, acme_admin, acme_member, worker, granted, acme_ctx, django_assert_max_num_queries):
    client = _portal(acme_admin)
    with django_assert_max_num_queries(30):
        listing = client.get(PORTAL + "?workplace=SYD-CBD")
    assert listing.status_code == 200 and "Now" in listing.content.decode()
    for view, by in (("week", "person"), ("month", "person"), ("week", "workplace"), ("month", "workplace")):
        with django_assert_max_num_queries(40):
            page = client.get(PORTAL + f"{published.pk}/?view={view}&by={by}")
        assert page.status_code == 200 and "Wendy Worker" in page.content.decode()
    bad = client.post(
        PORTAL + f"{published.pk}/shifts/pattern/", {"users": [str(worker.pk)], "shift_type": "", "rrule": "FREQ=DAILY"}
    )
    assert bad.status_code == 400
    with acme_ctx():
        day_type = ShiftType.objects.get(code="DAY").pk
    refused = client.post(
        PORTAL + f"{published.pk}/shifts/pattern/",
        {"users": [str(worker.pk)], "shift_type": day_type, "rrule": "FREQ=DAILY"},
    )
    assert refused.status_code == 400 and "never ends" in refused.content.decode()
    assert client.get(PORTAL + "shift-types/").status_code == 200
    assert client.get(PORTAL + "rules/?workplace=SYD-CBD").status_code == 200
    saved = client.post(
        PORTAL + "rules/",
        {"min_rest_hours": 11, "min_rest_action": "refuse", "max_weekly_hours": 40, "max_weekly_action": "flag"},
    )
    assert saved.status_code == 302
    member = _portal(acme_member)
    assert member.get(PORTAL).status_code == 403  # not a manager
    assert member.get(PORTAL + "shift-types/").status_code == 403
    mine = member.get(PORTAL + "mine/")
    assert mine.status_code == 200 and "/calendar/shifts/" in mine.content.decode()
    assert member.post(PORTAL + "mine/calendar/rotate/").status_code == 302


def test_a_feed_token_serves_only_on_its_own_tenant(globex, globex_member):
    from django_tenants.utils import tenant_context

    with tenant_context(globex):
        token = CalendarFeed.objects.create(user=globex_member).token
    assert Client(HTTP_HOST="acme.localhost").get(f"/calendar/shifts/{token}.ics").status_code == 404
    assert Client(HTTP_HOST="globex.localhost").get(f"/calendar/shifts/{token}.ics").status_code == 200


def test_portal_forms_add_assign_and_publish(published, acme_admin, worker, acme_ctx):
    client = _portal(acme_admin)
    with acme_ctx():
        day_type = ShiftType.objects.get(code="DAY").pk
    start, end = published.start_date, published.end_date
    added = client.post(
        PORTAL + f"{published.pk}/shifts/add/",
        {"user": str(acme_admin.pk), "day": start, "start_time": "22:00", "end_time": "06:00"},
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    clash = client.post(
        PORTAL + f"{published.pk}/shifts/add/",
        {"user": str(worker.pk), "day": end - dt.timedelta(days=2), "shift_type": day_type},
    )
    assert clash.status_code == 400 and "already has a shift" in clash.content.decode()
    assigned = client.post(
        PORTAL + f"{published.pk}/shifts/assign/",
        {
            "users": [str(acme_admin.pk)],
            "shift_type": day_type,
            "from_day": start + dt.timedelta(days=2),
            "to_day": start + dt.timedelta(days=3),
            "weekdays": ["0", "1", "2", "3", "4", "5", "6"],
        },
    )
    assert assigned.status_code == 302, assigned.content.decode()[:2000]
    assert client.post(PORTAL + f"{published.pk}/publish/").status_code == 302
    with acme_ctx():
        assert Shift.objects.filter(user=acme_admin, status="published").count() == 3


def test_portal_creates_rosters_and_site_rules(site, acme_admin, acme_ctx):
    client = _portal(acme_admin)
    with acme_ctx():
        site_id = site.pk
    created = client.post(
        PORTAL + "new/", {"workplace": site_id, "name": "", "start_date": "2027-02-01", "end_date": "2027-02-28"}
    )
    assert created.status_code == 302
    backwards = client.post(
        PORTAL + "new/", {"workplace": site_id, "start_date": "2027-02-28", "end_date": "2027-02-01"}
    )
    assert backwards.status_code == 400 and "ends before it starts" in backwards.content.decode()
    saved = client.post(
        PORTAL + "rules/",
        {
            "workplace": "SYD-CBD",
            "min_rest_hours": 12,
            "min_rest_action": "refuse",
            "max_weekly_hours": 38,
            "max_weekly_action": "refuse",
        },
    )
    assert saved.status_code == 302 and saved["Location"].endswith("?workplace=SYD-CBD")
    with acme_ctx():
        from apps.rosters.rules import rules_for

        assert (rules_for(site_id).min_rest_hours, rules_for(None).min_rest_hours) == (12, 10)
        roster = Roster.objects.get(start_date="2027-02-01")
    page = client.get(PORTAL + f"{roster.pk}/?view=month&start=2027-02-10")
    assert page.status_code == 200 and "UNTIL=20270228" in page.content.decode()
