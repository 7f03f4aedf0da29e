"""Portal and API of attendance: who sees what, the board, exceptions, corrections, overtime and its
CSV export, outsiders refused, query counts."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.attendance import selectors, services
from apps.attendance.models import AttendanceCorrection, OvertimeRecord
from apps.integrations.services import api_key_create
from apps.organisation.models import MemberProfile

from .conftest import SYD, leave_day, punch_make, shift_make

HOST = {"HTTP_HOST": "acme.localhost"}
API = "/api/v1/attendance/"
PORTAL = "/manage/attendance/"


def client_for(user):
    client = Client(**HOST)
    client.force_login(user)
    return client


@pytest.fixture
def today(team, monkeypatch):
    """Today in Sydney: Mia in (inside), Sam late, Sue in outside the fence, the admin on leave, and Ann
    (no access to attendance) nowhere."""
    now = timezone.now()
    days = [now.date() + datetime.timedelta(days=offset) for offset in (-1, 0, 1)]
    monkeypatch.setattr(selectors, "leave_days", lambda **kw: {(team.admin.pk, day): leave_day() for day in days})
    with tenant_context(team.tenant):
        started = now - datetime.timedelta(hours=1)
        for user in (team.mia, team.sam, team.sue, team.admin):
            shift_make(user, started, now + datetime.timedelta(hours=6))
        punch_make(team.mia, "in", started)
        punch_make(team.sue, "in", started, verdict="outside", flags=["outside_fence"])
    return team


def test_the_board_shows_each_status_with_counts(today, django_assert_max_num_queries):
    client = client_for(today.admin)
    client.get(API + "board/")  # warm the per-request caches of the session
    with django_assert_max_num_queries(20):
        body = client.get(API + "board/").json()
    statuses = {row["user"]["email"]: row["status"] for row in body["rows"]}
    assert statuses == {"mia@acme.test": "in", "sam@acme.test": "late", "sue@acme.test": "outside_fence",
                        "admin@acme.test": "on_leave"}  # fmt: skip
    assert body["counts"]["late"] == 1 and body["counts"]["in"] == 1 and body["counts"]["outside_fence"] == 1
    late_only = client.get(API + "board/?status=late").json()
    assert [row["user"]["email"] for row in late_only["rows"]] == ["sam@acme.test"]
    assert late_only["counts"]["in"] == 1  # counts ignore the status filter
    page = client.get(PORTAL)
    assert page.status_code == 200 and b"Sam" in page.content


def test_managers_see_their_reports_and_people_their_own(today):
    mia = client_for(today.mia).get(API + "board/").json()
    assert {row["user"]["email"] for row in mia["rows"]} == {"mia@acme.test", "sam@acme.test"}
    sam = client_for(today.sam).get(API + "board/").json()
    assert {row["user"]["email"] for row in sam["rows"]} == {"sam@acme.test"}


def _records(team, day):
    with tenant_context(team.tenant):
        services.records_compute(day, now=timezone.now() + datetime.timedelta(days=3))


def test_records_and_exceptions_by_visibility(today, django_assert_max_num_queries):
    _records(today, (timezone.now() - datetime.timedelta(hours=1)).astimezone(SYD).date())
    admin = client_for(today.admin)
    admin.get(API + "records/")
    with django_assert_max_num_queries(20):
        everyone = admin.get(API + "records/").json()["results"]
    assert {r["user"]["email"] for r in everyone} >= {"mia@acme.test", "sam@acme.test", "sue@acme.test"}
    sam = client_for(today.sam).get(API + "records/").json()["results"]
    assert {r["user"]["email"] for r in sam} == {"sam@acme.test"}
    mine = client_for(today.sam).get(API + "me/records/").json()["results"]
    assert {r["user"]["email"] for r in mine} == {"sam@acme.test"}
    exceptions = admin.get(API + "exceptions/?kind=outside_fence").json()["results"]
    assert {r["user"]["email"] for r in exceptions} == {"sue@acme.test"}
    for path in ("records/", "exceptions/", "corrections/", "overtime/"):
        assert admin.get(PORTAL + path).status_code == 200, path


def test_outsiders_are_refused_everywhere(today, acme_member, globex_member):
    no_access, outsider = client_for(acme_member), Client(**HOST)
    outsider.force_login(globex_member)
    for path in ("board/", "records/", "me/records/", "exceptions/", "corrections/", "overtime/", "overtime/totals/",
                 "overtime/export.csv", "overtime-rules/"):  # fmt: skip
        refused = no_access.get(API + path)
        assert refused.status_code == 403, path
        assert outsider.get(API + path).status_code == 403, path
    assert no_access.get(API + "board/").json()["code"] == "solution_access_required"
    for path in ("", "records/", "exceptions/", "corrections/", "corrections/new/", "overtime/", "overtime/rules/"):
        assert no_access.get(PORTAL + path).status_code == 403, path
        assert outsider.get(PORTAL + path).status_code == 403, path
    assert client_for(today.sam).get(API + "overtime-rules/").status_code == 403  # not an admin
    assert client_for(today.sam).get(PORTAL + "overtime/rules/").status_code == 403
    with tenant_context(today.tenant):
        _, raw = api_key_create(name="K", scopes=["attendance:read"], acting_user=today.admin)
    keyed = Client(**HOST, HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert keyed.get(API + "me/records/").status_code == 403


def test_correction_request_through_the_api_for_a_report(workflows, today):
    day = timezone.localdate() - datetime.timedelta(days=1)
    body = {"date": day.isoformat(), "user": str(today.sam.pk), "reason": "Sam's phone was flat.",
            "punches": [{"kind": "in", "at": f"{day}T09:00:00+11:00", "workplace": "SYD-CBD"},
                        {"kind": "out", "at": f"{day}T17:00:00+11:00", "workplace": "SYD-CBD"}]}  # fmt: skip
    created = client_for(today.mia).post(API + "corrections/", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    assert created.json()["user"]["email"] == "sam@acme.test"
    assert created.json()["requested_by"]["email"] == "mia@acme.test"
    refused = client_for(today.sue).post(API + "corrections/", body, content_type="application/json")
    assert refused.status_code == 404  # Sam is not Sue's report
    mine = {key: value for key, value in body.items() if key != "user"}
    again = client_for(today.sam).post(API + "corrections/", mine, content_type="application/json")
    assert again.status_code == 400 and "duplicate_request" in str(again.json())
    pk = created.json()["id"]
    assert client_for(today.sue).get(API + f"corrections/{pk}/").status_code == 404
    assert client_for(today.sam).get(API + f"corrections/{pk}/").status_code == 200
    cancelled = client_for(today.sam).post(API + f"corrections/{pk}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    with tenant_context(today.tenant):
        assert AttendanceCorrection.objects.get().status == "cancelled"


def test_overtime_rules_totals_and_the_csv_export(team, django_assert_max_num_queries):
    admin = client_for(team.admin)
    rule = admin.post(API + "overtime-rules/", {"daily_threshold_minutes": 420, "weekly_threshold_minutes": None,
                                                "auto_submit": False}, content_type="application/json")  # fmt: skip
    assert rule.status_code == 200, rule.json()
    day = datetime.date(2026, 11, 30)
    with tenant_context(team.tenant):
        MemberProfile.objects.filter(user=team.sam).update(employee_code="E-042")
        for user in (team.sam, team.mia):
            shift_make(
                user,
                datetime.datetime(2026, 11, 29, 21, tzinfo=datetime.UTC),
                datetime.datetime(2026, 11, 30, 7, tzinfo=datetime.UTC),
                unpaid=0,
            )  # 10 h, 08:00 local
            punch_make(user, "in", datetime.datetime(2026, 11, 29, 21, tzinfo=datetime.UTC))
            punch_make(user, "out", datetime.datetime(2026, 11, 30, 7, tzinfo=datetime.UTC))
        services.records_compute(day, now=timezone.now())
        services.overtime_generate(start=day, end=day)
        assert OvertimeRecord.objects.count() == 2
    totals = admin.get(API + "overtime/totals/?from=2026-11-01&to=2026-11-30").json()
    assert {(t["user__email"], t["minutes_total"], Decimal(t["weighted_total"])) for t in totals} == {
        ("sam@acme.test", 180, Decimal("270.00")), ("mia@acme.test", 180, Decimal("270.00"))}  # fmt: skip
    with django_assert_max_num_queries(20):
        export = admin.get(API + "overtime/export.csv?from=2026-11-01&to=2026-11-30")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0][:4] == ["person", "email", "employee_id", "date"]
    sam = next(row for row in rows if row[1] == "sam@acme.test")
    assert sam[2:] == ["E-042", "2026-11-30", "SYD-CBD", "daily", "180", "1.50", "270.00", "pending"]
    portal = admin.get(PORTAL + "overtime/export.csv?start=2026-11-01&end=2026-11-30")
    assert portal.status_code == 200 and b"E-042" in b"".join(portal.streaming_content)
    assert client_for(team.sam).get(API + "overtime/").json()["results"][0]["user"]["email"] == "sam@acme.test"
    mia_submits = client_for(team.mia).post(API + f"overtime/{_overtime_of(team, team.sam)}/submit/")
    assert mia_submits.status_code == 400 and mia_submits.json()["code"] == "no_workflow"


def _overtime_of(team, user):
    with tenant_context(team.tenant):
        return OvertimeRecord.objects.get(user=user).pk
