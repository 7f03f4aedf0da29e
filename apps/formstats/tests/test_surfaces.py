"""The analytics endpoint and pages: who reads what, refusals by code, exports, constant query counts."""

import io

import pytest
from django.test import Client
from django_tenants.utils import tenant_context
from openpyxl import load_workbook

from .conftest import HOST, api, submit

pytestmark = pytest.mark.django_db


def visits(w):
    """Rae twice at CBD, Sam once at CBD and once at the other site (call inside tenant_context)."""
    submit(w, {"shelf_share": 10, "display_ok": "yes", "brands": ["a"]})
    submit(w, {"shelf_share": 20, "display_ok": "no"})
    submit(w, {"shelf_share": 30, "display_ok": "no"}, by=w.sam)
    submit(w, {"shelf_share": 70, "display_ok": "yes"}, by=w.sam, workplace=w.other)


def url(w, query=""):
    return f"/api/v1/reports/analytics/{w.template.pk}/{query}"


def field(body, key):
    return next(f for f in body["fields"] if f["key"] == key)


def test_admin_reads_everything_with_filters_and_groups(world):
    with tenant_context(world.tenant):
        visits(world)
    answer = api(world.admin).get(url(world))
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["submissions"] == 4
    share = field(body, "shelf_share")["overall"]
    assert (share["answered"], share["sum"], share["average"], share["min"], share["max"]) == (4, 130, 32.5, 10, 70)
    assert field(body, "display_ok")["overall"]["choices"] == [
        {"value": "yes", "label": "Yes", "count": 2}, {"value": "no", "label": "No", "count": 2}]  # fmt: skip
    grouped = api(world.admin).get(url(world, f"?workplace={world.cbd.code}&group_by=person")).json()
    assert grouped["submissions"] == 3
    assert {g["label"]: g["submissions"] for g in grouped["groups"]} == {"Rae": 2, "Sam": 1}
    mine = api(world.rae).get(url(world, "?person=me&group_by=month")).json()
    assert mine["submissions"] == 2 and len(mine["groups"]) == 1


def test_manager_reads_managed_workplaces_only(world):
    with tenant_context(world.tenant):
        visits(world)
    client = api(world.max)
    body = client.get(url(world)).json()
    assert body["submissions"] == 3 and body["workplaces"] == [world.cbd.pk]
    refused = client.get(url(world, f"?workplace={world.other.pk}"))
    assert (refused.status_code == 400 and "workplace" in refused.json()["errors"]) or \
        refused.json().get("code") == "workplace_not_managed", refused.json()  # fmt: skip


def test_member_reads_own_submissions_only(world):
    with tenant_context(world.tenant):
        visits(world)
    client = api(world.sam)
    assert client.get(url(world)).json()["submissions"] == 2
    assert client.get(url(world, f"?person={world.rae.pk}")).status_code == 400


@pytest.mark.parametrize("query,code", [
    ("?from=2026-13-01", "invalid_date"), ("?from=2026-03-02&to=2026-03-01", "invalid_period"),
    ("?group_by=year", "invalid_group"), ("?workplace=NOPE", "unknown_workplace"), ("?person=x", "invalid_person"),
    ("?group_by=day", "period_too_long"),
])  # fmt: skip
def test_bad_filters_are_refused_with_a_code(world, query, code):
    answer = api(world.admin).get(url(world, query))
    assert answer.status_code == 400
    assert code in answer.content.decode()


def test_outsiders_are_refused(world, globex_member):
    assert api(world.ned).get(url(world)).status_code == 403  # no access to Reports
    assert api(globex_member).get(url(world)).status_code in (401, 403)
    assert api(world.admin).get("/api/v1/reports/analytics/999999/").status_code == 404


def test_api_query_count_does_not_grow(world, django_assert_max_num_queries):
    with tenant_context(world.tenant):
        visits(world)
    client = api(world.max)
    client.get(url(world, "?group_by=person"))  # warm the per-process caches
    with django_assert_max_num_queries(20) as first:
        client.get(url(world, "?group_by=person"))
    with tenant_context(world.tenant):
        for i in range(15):
            submit(world, {"shelf_share": i, "display_ok": "no", "brands": ["b"]}, by=(world.rae, world.sam)[i % 2])
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url(world, "?group_by=person"))


def portal(user):
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client


def test_portal_pages_charts_and_exports(world):
    with tenant_context(world.tenant):
        visits(world)
    client = portal(world.admin)
    listed = client.get("/manage/reports/analytics/")
    assert listed.status_code == 200 and "Store visit" in listed.content.decode()
    page = client.get(f"/manage/reports/analytics/{world.template.pk}/?group_by=workplace")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "Shelf share" in html
    assert client.get(f"/manage/reports/analytics/{world.template.pk}/?group_by=week").status_code == 200
    partial = client.get(f"/manage/reports/analytics/{world.template.pk}/", HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<div id="analytics-results">')
    bad = client.get(f"/manage/reports/analytics/{world.template.pk}/?from=nope")
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.content.decode()
    csv = client.get(f"/manage/reports/analytics/{world.template.pk}/export.csv?group_by=workplace")
    text = csv.content.decode()
    assert csv["Content-Type"].startswith("text/csv") and "Shelf share" in text and world.other.name in text
    xlsx = client.get(f"/manage/reports/analytics/{world.template.pk}/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Field" and any(r[0] == "Shelf share" and r[5] == 4 for r in rows[1:])


def test_portal_scopes_and_refusals(world, globex_member):
    with tenant_context(world.tenant):
        visits(world)
    page = portal(world.max).get(f"/manage/reports/analytics/{world.template.pk}/")
    assert page.status_code == 200 and "3</strong> submissions" in page.content.decode()
    assert portal(world.ned).get("/manage/reports/analytics/").status_code == 403
    assert portal(globex_member).get("/manage/reports/analytics/").status_code in (302, 403, 404)


def test_portal_page_query_count_does_not_grow(world, django_assert_max_num_queries):
    with tenant_context(world.tenant):
        visits(world)
    client = portal(world.admin)
    page = f"/manage/reports/analytics/{world.template.pk}/?group_by=person"
    client.get(page)
    with django_assert_max_num_queries(40) as first:
        client.get(page)
    with tenant_context(world.tenant):
        for i in range(12):
            submit(world, {"shelf_share": i, "display_ok": "yes"}, by=(world.rae, world.sam, world.max)[i % 3])
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(page)
