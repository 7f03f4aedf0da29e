"""API and portal: personal endpoints, managers' team, admins' management, refusals, query counts."""

import datetime

import pytest
from django.test import Client
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from apps.leave.models import LeaveRequest
from apps.leave.services import leave_accrue
from apps.solutions.services import solution_access_grant

from .factories import enrol, leave_setup

API = "/api/v1/leave/"
HOST = "acme.localhost"
MON = datetime.date(2026, 3, 2)


def _api(user):
    client = APIClient(HTTP_HOST=HOST)
    client.force_authenticate(user)
    return client


@pytest.fixture
def acme_leave(acme_pro, acme_admin, acme_member):
    """Acme on a plan with Leave; the member may use it and reports to the admin (her manager)."""
    with tenant_context(acme_pro):
        found = leave_setup(acme_admin)
        enrol(acme_admin)
        enrol(acme_member, manager=acme_admin)
        solution_access_grant(solution_code="leave", user=acme_member, acting_user=acme_admin)
        leave_accrue(today=datetime.date(2026, 2, 28))
    return found


def test_member_requests_leave_and_cancels_through_the_api(acme_leave, acme_member, django_assert_max_num_queries):
    client = _api(acme_member)
    assert {t["code"] for t in client.get(API + "types/").json()["results"]} >= {"ANNUAL", "SICK"}
    balances = client.get(API + "me/balances/?on=2026-12-31").json()
    annual = next(b for b in balances if b["type"] == "ANNUAL")
    assert annual["minutes"] == 14 * 760 and annual["projected_minutes"] == 24 * 760
    created = client.post(
        API + "me/requests/",
        {"type": "annual", "start_date": "2026-03-02", "end_date": "2026-03-06", "reason": "Beach"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["minutes"] == 5 * 456 and created.json()["status"] == "pending"
    refused = client.post(API + "me/requests/", {"type": "ANNUAL", "start_date": "2026-03-07"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "not_working_days"
    overlap = client.post(API + "me/requests/", {"type": "ANNUAL", "start_date": "2026-03-06"}, format="json")
    assert overlap.json()["code"] == "overlaps_request"
    with django_assert_max_num_queries(15):
        mine = client.get(API + "me/requests/").json()["results"]
    assert [r["id"] for r in mine] == [created.json()["id"]]
    cancelled = client.post(API + f"me/requests/{created.json()['id']}/cancel/", {}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_manager_sees_the_team_and_the_calendar(acme_leave, acme_member, acme_admin, django_assert_max_num_queries):
    member = _api(acme_member)
    member.post(
        API + "me/requests/", {"type": "ANNUAL", "start_date": "2026-03-02", "end_date": "2026-03-03"}, format="json"
    )
    admin = _api(acme_admin)
    listed = admin.get(API + "requests/?status=pending").json()["results"]
    assert [r["user_id"] for r in listed] == [str(acme_member.pk)]
    with django_assert_max_num_queries(15):
        calendar = admin.get(API + "calendar/?month=2026-03").json()
    assert calendar[0]["days"]["2026-03-02"]["status"] == "pending"
    assert admin.get(API + "calendar/?month=March").json()["code"] == "invalid_month"
    # the member sees only herself (no reports)
    assert [r["user_id"] for r in member.get(API + "requests/").json()["results"]] == [str(acme_member.pk)]


def test_admin_adjusts_a_balance_with_a_reason(acme_leave, acme_member, acme_admin):
    admin = _api(acme_admin)
    no_reason = admin.post(
        API + f"balances/{acme_member.pk}/adjust/", {"type": "ANNUAL", "minutes": 60, "reason": " "}, format="json"
    )
    assert no_reason.status_code == 400
    done = admin.post(
        API + f"balances/{acme_member.pk}/adjust/",
        {"type": "ANNUAL", "minutes": 60, "reason": "Worked on a public holiday"},
        format="json",
    )
    assert done.status_code == 201 and done.json()[0]["kind"] == "adjustment"
    member = _api(acme_member)
    assert (
        member.post(
            API + f"balances/{acme_member.pk}/adjust/", {"type": "ANNUAL", "minutes": 60, "reason": "Me"}, format="json"
        ).status_code
        == 403
    )
    assert member.get(API + "policies/").status_code == 403
    assert admin.get(API + "policies/").status_code == 200


def test_outsiders_are_refused(acme_leave, globex_member):
    assert _api(globex_member).get(API + "me/balances/").status_code == 403
    client = Client(HTTP_HOST=HOST)
    client.force_login(globex_member)
    assert client.get("/manage/leave/").status_code == 403


def test_member_without_solution_access_is_refused(acme_pro, acme_admin, acme_member):
    with tenant_context(acme_pro):
        leave_setup(acme_admin)
    refused = _api(acme_member).get(API + "me/balances/")
    assert refused.status_code == 403 and refused.json()["code"] == "solution_access_required"
    client = Client(HTTP_HOST=HOST)
    client.force_login(acme_member)
    assert client.get("/manage/leave/").status_code == 403


def test_portal_pages(acme_pro, acme_leave, acme_member, acme_admin):
    client = Client(HTTP_HOST=HOST)
    client.force_login(acme_member)
    assert client.get("/manage/leave/?on=2026-12-31").status_code == 200
    counted = client.post(
        "/manage/leave/request/",
        {"leave_type": acme_leave["annual"].pk, "start_date": "2026-03-02", "end_date": "2026-03-08", "check": "1"},
    )
    assert b"5 working days" in counted.content
    sent = client.post(
        "/manage/leave/request/",
        {"leave_type": acme_leave["annual"].pk, "start_date": "2026-03-02", "end_date": "2026-03-08"},
    )
    assert sent.status_code == 302
    refused = client.post("/manage/leave/request/", {"leave_type": acme_leave["annual"].pk, "start_date": "2026-03-07"})
    assert b"working day for you" in refused.content
    assert client.get("/manage/leave/calendar/?month=2026-03").status_code == 200
    assert client.get("/manage/leave/types/").status_code == 403
    with tenant_context(acme_pro):
        request = LeaveRequest.objects.get(user=acme_member)
    assert client.post(f"/manage/leave/requests/{request.pk}/cancel/").status_code == 302
    admin = Client(HTTP_HOST=HOST)
    admin.force_login(acme_admin)
    for page in ("types/", "policies/", "balances/", f"balances/{acme_member.pk}/"):
        assert admin.get("/manage/leave/" + page).status_code == 200, page
    adjusted = admin.post(
        f"/manage/leave/balances/{acme_member.pk}/",
        {"leave_type": acme_leave["annual"].pk, "minutes": 30, "reason": "Correction"},
    )
    assert adjusted.status_code == 302
