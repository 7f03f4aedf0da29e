"""Portal and API: who may read and write, the verdict endpoint, query counts."""

import pytest
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from apps.solutions.services import solution_access_grant
from apps.workplaces.demo import workplaces_demo_seed

API = "/api/v1/workplaces/"


@pytest.fixture
def acme_workplaces(acme_pro):
    """Acme on a plan with Attendance (which reaches workplaces), with the demo sites."""
    with tenant_context(acme_pro):
        workplaces_demo_seed()
    return acme_pro


def _api(user, host="acme.localhost"):
    client = APIClient(HTTP_HOST=host)
    client.force_authenticate(user)
    return client


def test_admin_reads_and_writes_through_the_api(acme_workplaces, acme_admin, django_assert_max_num_queries):
    client = _api(acme_admin)
    with django_assert_max_num_queries(12):
        body = client.get(API).json()
    assert {w["code"] for w in body["results"]} >= {"NSW", "SYD-CBD", "PARRAMATTA"}
    created = client.post(API, {"kind": "site", "code": "BONDI", "name": "Bondi", "parent": "SYD-METRO",
                                "country": "AU", "time_zone": "Australia/Sydney"}, format="json")  # fmt: skip
    assert created.status_code == 201, created.content
    bad = client.post(API, {"kind": "site", "code": "X1", "name": "X", "parent": "NSW", "time_zone": "UTC"},
                      format="json")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["code"] == "parent_kind"
    fence = client.put(API + "BONDI/geofence/", {"shape": "circle", "center_lat": -33.8915, "center_lng": 151.2767,
                                                 "radius_m": 300}, format="json")  # fmt: skip
    assert fence.status_code == 200 and fence.json()["geofence"]["radius_m"] == 300
    check = client.post(API + "BONDI/geofence/check/", {"lat": -33.8915, "lng": 151.2767, "accuracy_m": 10},
                        format="json")  # fmt: skip
    assert check.json()["status"] == "inside"
    holidays = client.get(API + "SYD-CBD/holidays/?from=2026-01-01&to=2026-01-31").json()
    assert holidays == [
        {"date": "2026-01-01", "name": "New Year's Day"},
        {"date": "2026-01-26", "name": "Australia Day"},
    ]
    department = client.post(API + "SYD-CBD/departments/", {"code": "deli", "name": "Deli"}, format="json")
    assert department.status_code == 201 and department.json()["code"] == "DELI"
    assert client.patch(API + "SYD-CBD/", {"code": "OTHER"}, format="json").json()["code"] == "read_only"


def test_members_need_solution_access_and_cannot_write(acme_workplaces, acme_admin, acme_member, roles, acme_root):
    client = _api(acme_member)
    refused = client.get(API)
    assert refused.status_code == 403 and refused.json()["code"] == "solution_access_required"
    with tenant_context(acme_workplaces):
        solution_access_grant(solution_code="attendance", user=acme_member, acting_user=acme_admin)
    assert client.get(API + "SYD-CBD/").status_code == 200
    check = client.post(API + "SYD-CBD/geofence/check/", {"lat": 0, "lng": 0}, format="json")
    assert check.json()["status"] == "outside"
    assert client.patch(API + "SYD-CBD/", {"name": "Mine"}, format="json").status_code == 403
    assert client.post(API, {"kind": "region", "code": "R", "name": "R"}, format="json").status_code == 403


def test_plan_without_the_solution_and_outsiders_are_refused(acme, acme_admin, globex_member):
    refused = _api(acme_admin).get(API)
    assert refused.status_code == 403 and refused.json()["code"] == "solution_not_in_plan"
    assert _api(globex_member).get(API).status_code == 403


def test_portal_pages(acme_workplaces, acme_admin, acme_member, globex_member, django_assert_max_num_queries):
    from django.test import Client

    client = Client(HTTP_HOST="acme.localhost")
    client.force_login(acme_admin)
    with django_assert_max_num_queries(30):
        page = client.get("/manage/workplaces/?kind=site")
    assert page.status_code == 200 and "Sydney CBD Store" in page.content.decode()
    assert "Parramatta Store" in client.get("/manage/workplaces/tree/").content.decode()
    detail = client.get("/manage/workplaces/SYD-CBD/")
    assert "Test a point" in detail.content.decode() and "Australia Day" in detail.content.decode()
    verdict = client.post("/manage/workplaces/SYD-CBD/geofence/test/", {"lat": -33.8731, "lng": 151.2065,
                                                                         "accuracy_m": 5})  # fmt: skip
    assert "Inside" in verdict.content.decode()
    saved = client.post("/manage/workplaces/SYD-CBD/geofence/", {
        "shape": "polygon", "vertices": "-33.872, 151.205\n-33.872, 151.208\n-33.875, 151.208"})  # fmt: skip
    assert saved.status_code == 302
    bad = client.post("/manage/workplaces/new/", {"kind": "area", "code": "A1", "name": "A", "time_zone": "Nowhere"})
    assert bad.status_code == 400 and "not an IANA time zone" in bad.content.decode()
    client.force_login(acme_member)
    assert client.get("/manage/workplaces/").status_code == 403  # no solution access
    client.force_login(globex_member)
    assert client.get("/manage/workplaces/").status_code == 403
