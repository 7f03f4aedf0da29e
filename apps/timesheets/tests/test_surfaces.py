"""The API and the portal pages of time entries: flows, refusals with codes, who sees what, query counts."""

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from apps.timesheets.models import TimeEntry
from apps.timesheets.services import entry_add

from .conftest import API, HOST, api, at

PORTAL = "/manage/tasks/time/"


def portal(user):
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client


@pytest.fixture
def week(ts):
    """Ann: three entries; Mia: one."""
    with tenant_context(ts.tenant):
        for day in (1, 2, 3):
            entry_add(task=ts.tasks["ann"], user=ts.ann, started_at=at(day, 9), ended_at=at(day, 10),
                      acting_user=ts.ann, note=f"day {day}")  # fmt: skip
        entry_add(task=ts.tasks["mia"], user=ts.mia, started_at=at(1, 9), ended_at=at(1, 9, 30), acting_user=ts.mia)
    return ts


def test_api_timer_flow_with_coded_refusals(ts):
    client = api(ts.ann)
    assert client.get(f"{API}me/timer/").json() == {"running": False, "entry": None}
    started = client.post(f"{API}me/timer/start/", {"task": ts.tasks["ann"].pk, "note": "Go"}, format="json")
    assert started.status_code == 201, started.content
    assert started.json()["task"]["workplace"] == "SYD-CBD" and started.json()["running"] is True
    again = client.post(f"{API}me/timer/start/", {"task": ts.tasks["open"].pk}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "timer_already_running")
    for task, status, code in ((ts.tasks["mia"].pk, 403, "task_not_allowed"), (9_999_999, 404, "unknown_task")):
        client.post(f"{API}me/timer/stop/", {}, format="json")
        refused = client.post(f"{API}me/timer/start/", {"task": task}, format="json")
        assert (refused.status_code, refused.json()["code"]) == (status, code)
    assert client.get(f"{API}me/timer/").json()["running"] is False
    stop = client.post(f"{API}me/timer/stop/", {}, format="json")
    assert stop.status_code == 200 and stop.json() == {"running": False, "entry": None}


def test_api_entries_crud_and_who_may(week, django_assert_max_num_queries):
    ann, mia, bob = api(week.ann), api(week.mia), api(week.bob)
    with django_assert_max_num_queries(12):
        mine = ann.get(f"{API}entries/")
    assert [e["note"] for e in mine.json()["results"]] == ["day 3", "day 2", "day 1"]
    # The manager sees her report's entries too; a member sees only theirs.
    assert len(mia.get(f"{API}entries/").json()["results"]) == 4
    with tenant_context(week.tenant):
        mias_entry = TimeEntry.objects.get(user=week.mia).pk
        anns_entry = TimeEntry.objects.filter(user=week.ann).order_by("started_at").first().pk
    assert ann.get(f"{API}entries/{mias_entry}/").status_code == 404
    refused = mia.patch(f"{API}entries/{anns_entry}/", {"note": "mine now"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "not_your_entry")
    overlap = ann.post(f"{API}entries/", {"task": week.tasks["ann"].pk, "started_at": at(1, 9, 30).isoformat(),
                                          "ended_at": at(1, 11).isoformat()}, format="json")  # fmt: skip
    assert (overlap.status_code, overlap.json()["code"]) == (409, "time_entry_overlap")
    assert f"#{anns_entry}" in overlap.json()["detail"]
    body = {"task": week.tasks["open"].pk, "started_at": at(1, 10).isoformat(), "ended_at": at(1, 11).isoformat(),
            "note": "restock"}  # fmt: skip
    made = ann.post(f"{API}entries/", body, format="json")
    assert made.status_code == 201 and made.json()["minutes"] == 60
    changed = ann.patch(f"{API}entries/{made.json()['id']}/", {"ended_at": at(1, 11, 15).isoformat()}, format="json")
    assert changed.status_code == 200 and changed.json()["minutes"] == 75
    assert ann.delete(f"{API}entries/{made.json()['id']}/").status_code == 204
    denied = bob.get(f"{API}entries/")
    assert (denied.status_code, denied.json()["code"]) == (403, "solution_access_required")


def test_api_totals_and_csv_for_managers_only(week, django_assert_max_num_queries):
    refused = api(week.ann).get(f"{API}totals/")
    assert (refused.status_code, refused.json()["code"]) == (403, "manager_required")
    client = api(week.mia)
    with django_assert_max_num_queries(10):
        totals = client.get(f"{API}totals/", {"by": "person"})
    assert totals.json()["minutes"] == 210
    assert [(r["label"], r["minutes"]) for r in totals.json()["rows"]] == [("Ann", 180), ("Mia", 30)]
    days = client.get(f"{API}totals/", {"by": "day", "from": "2026-12-02", "to": "2026-12-03"}).json()
    assert [(r["key"], r["minutes"]) for r in days["rows"]] == [("2026-12-02", 60), ("2026-12-03", 60)]
    bad = client.get(f"{API}totals/", {"by": "year"})
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_filter")
    export = client.get(f"{API}export.csv", {"user": str(week.ann.pk)})
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert lines[0].startswith("entry,person,email") and len(lines) == 4
    assert "2026-12-01 09:00" in lines[3]
    assert api(week.ann).get(f"{API}export.csv").status_code == 403


def test_portal_my_time_timer_and_manual_entry(week, django_assert_max_num_queries):
    client = portal(week.ann)
    with django_assert_max_num_queries(30):
        page = client.get(PORTAL)
    assert page.status_code == 200 and b"day 3" in page.content and b"Time report" not in page.content
    client.post(f"{PORTAL}timer/start/", {"timer-task": week.tasks["open"].pk})
    assert b"Running on" in client.get(PORTAL).content
    client.post(f"{PORTAL}timer/stop/")
    clash = {"entry-task": week.tasks["ann"].pk, "entry-day": "2026-12-01", "entry-start": "09:30",
             "entry-end": "10:30"}  # fmt: skip
    response = client.post(f"{PORTAL}entries/add/", clash, follow=True)
    assert b"overlaps another entry" in response.content
    client.post(f"{PORTAL}entries/add/", {"entry-task": week.tasks["ann"].pk, "entry-day": "2026-12-04",
                                          "entry-start": "22:00", "entry-end": "01:00"})  # fmt: skip
    with tenant_context(week.tenant):
        late = TimeEntry.objects.get(user=week.ann, started_at=at(4, 22))
        assert late.minutes == 180 and late.source == "manual"
    assert client.post(f"{PORTAL}entries/{late.pk}/delete/").status_code == 302
    assert portal(week.ann).get(f"{PORTAL}report/").status_code == 403


def test_portal_report_and_export_for_a_manager(week, django_assert_max_num_queries):
    client = portal(week.mia)
    with django_assert_max_num_queries(30):
        page = client.get(f"{PORTAL}report/", {"by": "task", "since": "2026-12-01", "until": "2026-12-03"})
    assert page.status_code == 200 and b"Ann&#x27;s store visit" in page.content
    export = client.get(f"{PORTAL}report/export.csv", {"person": str(week.ann.pk)})
    assert len(b"".join(export.streaming_content).decode().splitlines()) == 4
    assert portal(week.bob).get(PORTAL).status_code == 403


def test_outsiders_are_refused(week, globex_member):
    assert api(globex_member).get(f"{API}entries/").status_code in (403, 404)
    assert portal(globex_member).get(PORTAL).status_code in (302, 403, 404)
