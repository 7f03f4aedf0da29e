"""Portal and API: who may read, write and scan; the labels, the calendar; query counts."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.assets.demo import assets_demo_seed
from apps.assets.models import Asset, MaintenancePlan, WorkOrder
from apps.assets.services import asset_create, category_create, plan_create
from apps.assets.tasks import maintenance_generate
from apps.workplaces.demo import workplaces_demo_seed
from apps.workplaces.models import Workplace

from .conftest import API, HOST, api, on_ops_plan

pytestmark = pytest.mark.django_db


def portal(user, host=HOST):
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return client


def test_admin_writes_and_everyone_reads_through_the_api(ops, django_assert_max_num_queries):
    admin = api(ops.admin)
    created = admin.post(API + "assets/", {"name": "Freezer", "category": "FRIDGE", "site": "SYD-CBD",
                                          "serial_number": "FZ-9", "status": "active"}, format="json")  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["code"].startswith("AST-") and body["label_url"].endswith(f"/manage/assets/scan/{body['label_code']}/")
    bad = admin.post(API + "assets/", {"name": "X", "category": "FRIDGE", "site": "SYD-METRO"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "not_a_site"
    moved = admin.patch(API + f"assets/{body['code']}/", {"status": "in_repair"}, format="json")
    assert moved.json()["status"] == "in_repair"
    with tenant_context(ops.tenant):
        for i in range(5):
            asset_create(name=f"Fridge {i}", category=ops.fridges, site=ops.cbd, acting_user=ops.admin)
    with django_assert_max_num_queries(12):
        listed = api(ops.ann).get(API + "assets/?site=SYD-CBD&search=fridge").json()
    assert len(listed["results"]) == 6
    assert api(ops.ann).post(API + "assets/", {"name": "X", "category": "FRIDGE", "site": "SYD-CBD"},
                             format="json").status_code == 403  # fmt: skip
    refused = api(ops.bob).get(API + "assets/")
    assert refused.status_code == 403 and refused.json()["code"] == "solution_access_required"


def test_scan_resolves_own_codes_only(ops, globex):
    on_ops_plan(globex)
    with tenant_context(globex):
        workplaces_demo_seed()
        other = asset_create(
            name="Globex fridge",
            site=Workplace.objects.get(code="SYD-CBD"),
            category=category_create(code="FRIDGE", name="F", acting_user=None),
            acting_user=None,
        )
    client = api(ops.ann)
    own = client.get(API + f"assets/scan/{ops.fridge.label_code}/")
    assert own.status_code == 200 and own.json()["code"] == ops.fridge.code
    for code in (other.label_code, "ZZZZZZZZZZ", "not-a-code"):
        found = client.get(API + f"assets/scan/{code}/")
        assert found.status_code == 404 and found.json()["code"] == "unknown_asset"
    page = portal(ops.ann).get(f"/manage/assets/scan/{ops.fridge.label_code}/")
    assert page.status_code == 302 and page["Location"] == f"/manage/assets/{ops.fridge.code}/"
    assert portal(ops.ann).get(f"/manage/assets/scan/{other.label_code}/").status_code == 404
    anonymous = Client(HTTP_HOST=HOST).get(f"/manage/assets/scan/{ops.fridge.label_code}/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_plans_readings_and_work_orders_through_the_api(ops):
    admin = api(ops.admin)
    starts = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    bad = admin.post(API + "maintenance-plans/", {"name": "P", "template": "FRIDGE-SERVICE", "kind": "time",
                                                  "asset": ops.fridge.code, "rrule": "FREQ=WEEKLY",
                                                  "starts_at": starts}, format="json")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["code"] == "unbounded_rrule"
    made = admin.post(API + "maintenance-plans/", {"name": "Weekly", "template": "FRIDGE-SERVICE", "kind": "time",
                                                   "asset": ops.fridge.code, "rrule": "FREQ=WEEKLY;COUNT=8",
                                                   "starts_at": starts}, format="json")  # fmt: skip
    assert made.status_code == 201, made.content
    plan = made.json()["id"]
    upcoming = api(ops.ann).get(API + f"maintenance-plans/{plan}/upcoming/?count=4").json()
    assert len(upcoming) == 4 and [bool(u["work_order"]) for u in upcoming] == [True, True, False, False]
    orders = api(ops.ann).get(API + f"work-orders/?plan={plan}").json()["results"]
    assert len(orders) == 2 and orders[0]["task"]["status"] == "todo"
    meter = admin.post(API + "maintenance-plans/", {"name": "Meter", "template": "FRIDGE-SERVICE", "kind": "meter",
                                                    "asset": ops.fridge.code, "meter_interval": "100"},
                       format="json")  # fmt: skip
    assert meter.status_code == 201, meter.content
    reading = api(ops.ann).post(API + f"assets/{ops.fridge.code}/readings/", {"value": "150"}, format="json")
    assert reading.status_code == 201 and len(reading.json()["work_orders"]) == 1
    lower = api(ops.ann).post(API + f"assets/{ops.fridge.code}/readings/", {"value": "10"}, format="json")
    assert lower.status_code == 400 and lower.json()["code"] == "reading_decreased"


def test_portal_pages_render_with_bounded_queries(ops, django_assert_max_num_queries):
    with tenant_context(ops.tenant):
        for i in range(5):
            asset_create(name=f"Fridge {i}", category=ops.fridges, site=ops.cbd, acting_user=ops.admin)
        plan_create(name="Monthly", template=ops.template, kind="time", category=ops.fridges, site=ops.cbd,
                    rrule="FREQ=MONTHLY;COUNT=12", starts_at=timezone.now() + datetime.timedelta(days=1),
                    acting_user=ops.admin)  # fmt: skip
    client = portal(ops.ann)
    with django_assert_max_num_queries(30):
        listed = client.get("/manage/assets/?site=SYD-CBD&q=fridge")
    assert listed.status_code == 200 and b"Dairy fridge" in listed.content
    with django_assert_max_num_queries(30):
        labels = client.get("/manage/assets/labels/?site=SYD-CBD")
    assert labels.status_code == 200 and labels.content.count(b"<svg") == 6
    detail = client.get(f"/manage/assets/{ops.fridge.code}/")
    assert detail.status_code == 200 and b"<svg" in detail.content and b"Monthly" in detail.content
    with django_assert_max_num_queries(40):
        calendar = client.get("/manage/assets/calendar/?site=SYD-CBD")
    assert calendar.status_code == 200 and b"Dairy fridge" in calendar.content
    assert client.get("/manage/assets/new/").status_code == 403  # members do not add assets
    assert portal(ops.bob).get("/manage/assets/").status_code == 403


def test_a_plan_page_shows_its_next_work_orders(ops, django_assert_max_num_queries):
    """Acceptance of issue 16: "a maintenance plan shows its next work orders" (made ones with their task,
    then the planned occurrences), on the plan's own page, linked from the calendar and the asset."""
    with tenant_context(ops.tenant):
        second = asset_create(name="Fridge 2", category=ops.fridges, site=ops.cbd, acting_user=ops.admin)
        plan = plan_create(name="Weekly check", template=ops.template, kind="time", category=ops.fridges, site=ops.cbd,
                           rrule="FREQ=WEEKLY;COUNT=8", starts_at=timezone.now() + datetime.timedelta(days=1),
                           lead_days=10, acting_user=ops.admin)  # fmt: skip
        made = WorkOrder.objects.filter(plan=plan).count()
        meter = plan_create(name="Every 250 h", template=ops.template, kind="meter", asset=second,
                            meter_interval=250, acting_user=ops.admin)  # fmt: skip
    client = portal(ops.ann)
    with django_assert_max_num_queries(25):
        page = client.get(f"/manage/assets/plans/{plan.pk}/")
    assert page.status_code == 200 and made == 4  # two weeks ahead, two fridges
    text = page.content.decode()
    assert text.count("planned (made 10 days ahead)") == 12 and text.count("Task #") >= 4  # 8 occurrences, 2 fridges
    assert "Fridge 2" in text and "Dairy fridge" in text
    meter_page = client.get(f"/manage/assets/plans/{meter.pk}/").content.decode()
    assert "the next work order is made when it reaches <strong>250</strong>" in meter_page
    calendar = client.get("/manage/assets/calendar/?site=SYD-CBD").content.decode()
    assert f"/manage/assets/plans/{plan.pk}/" in calendar
    assert client.get("/manage/assets/plans/999999/").status_code == 404
    assert portal(ops.bob).get(f"/manage/assets/plans/{plan.pk}/").status_code == 403


def test_admin_adds_an_asset_and_a_plan_in_the_portal(ops):
    client = portal(ops.admin)
    bad_form = {"name": "X", "category": "FRIDGE", "site": "SYD-CBD", "status": "active",
                "purchase_date": "2025-02-01", "warranty_until": "2025-01-01"}  # fmt: skip
    bad = client.post("/manage/assets/new/", bad_form)
    assert bad.status_code == 400 and b"warranty cannot end before" in bad.content
    made = client.post("/manage/assets/new/", {"name": "Ice machine", "category": "FRIDGE", "site": "SYD-CBD",
                                               "status": "active"})  # fmt: skip
    assert made.status_code == 302
    with tenant_context(ops.tenant):
        asset = Asset.objects.get(name="Ice machine")
    form = {"name": "Quarterly", "template": "FRIDGE-SERVICE", "kind": "time",
            "rrule": "FREQ=MONTHLY;INTERVAL=3;COUNT=4", "starts_at": "2030-01-06T09:00", "lead_days": "14"}  # fmt: skip
    assert client.post(f"/manage/assets/{asset.code}/plans/new/", form).status_code == 302
    with tenant_context(ops.tenant):
        plan = MaintenancePlan.objects.get(name="Quarterly")
        assert plan.starts_at.isoformat() == "2030-01-05T22:00:00+00:00"  # 09:00 in Sydney (AEDT)


def test_outsiders_are_refused(ops, globex_member):
    assert api(globex_member).get(API + "assets/").status_code in (403, 404)
    assert api(globex_member).get(API + f"assets/scan/{ops.fridge.label_code}/").status_code in (403, 404)
    assert portal(globex_member).get("/manage/assets/").status_code == 403


def test_beat_task_and_demo_are_idempotent(ops):
    with tenant_context(ops.tenant):
        plan_create(name="Daily", template=ops.template, kind="time", asset=ops.fridge, rrule="FREQ=DAILY;COUNT=30",
                    starts_at=timezone.now() + datetime.timedelta(hours=1), lead_days=3, acting_user=None)  # fmt: skip
        WorkOrder.objects.all().delete()
    assert maintenance_generate()[ops.tenant.schema_name] == 3
    assert maintenance_generate() == {}
    with tenant_context(ops.tenant):
        assets_demo_seed()
        counts = (Asset.objects.count(), MaintenancePlan.objects.count(), WorkOrder.objects.count())
        assert assets_demo_seed() == 0
        assert (Asset.objects.count(), MaintenancePlan.objects.count(), WorkOrder.objects.count()) == counts
        assert WorkOrder.objects.filter(plan__name="Monthly fridge service").exists()
