import datetime

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from apps.routines.models import Routine
from apps.routines.services import MemberSpec, routine_create

from .conftest import HOST, ROUTINES, api

pytestmark = pytest.mark.django_db
BODY = {
    "name": "Weekly visit", "workplace": "SYD-CBD", "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=52",
    "start_date": "2026-12-07", "start_time": "09:00",
    "members": [{"template": "RT-CHECK"}, {"title": "Photo report", "offset_minutes": 60,
                                           "checklist": [["Aisle", True]]}],
    "links": [[1, 2]],
}  # fmt: skip


def _routine(world, **extra):
    with tenant_context(world.tenant):
        return routine_create(name="Visit", workplace=world.sydney, rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=52",
                              start_date=datetime.date(2026, 12, 7), start_time=datetime.time(9),
                              members=[MemberSpec(template=world.template), MemberSpec(title="Photo")],
                              links=[(1, 2)], acting_user=world.admin, **extra)  # fmt: skip


def test_api_create_preview_edit_split_pause(world):
    client = api(world.admin)
    created = client.post(ROUTINES, BODY, format="json")
    assert created.status_code == 201, created.content
    routine = created.json()
    assert routine["links"] == [[1, 2]] and [m["template"] for m in routine["members"]] == ["RT-CHECK", None]
    base = f"{ROUTINES}{routine['id']}/"
    preview = client.get(f"{base}preview/?count=3").json()
    assert [row["key"][-5:] for row in preview] == ["09:00"] * 3
    key = preview[2]["key"]
    skipped = client.post(f"{base}occurrence/", {"occurrence": key, "skip": True}, format="json")
    assert skipped.status_code == 200 and skipped.json()["status"] == "skipped"
    wrong = client.post(f"{base}occurrence/", {"occurrence": "2026-12-08T09:00", "skip": True}, format="json")
    assert wrong.status_code == 400 and "not_an_occurrence" in str(wrong.json())
    split = client.post(f"{base}split/", {"occurrence": preview[1]["key"], "start_time": "08:00"}, format="json")
    assert split.status_code == 201 and split.json()["split_from"] == routine["id"]
    paused = client.post(f"{base}pause/", {"paused": True}, format="json")
    assert paused.status_code == 200 and paused.json()["status"] == "paused"


def test_api_refusals_are_coded_and_write_nothing(world):
    client = api(world.admin)
    for change, code in (({"rrule": "FREQ=WEEKLY"}, "unbounded_rrule"), ({"links": [[1, 2], [2, 1]]}, "link_cycle"),
                         ({"members": []}, "members_required")):  # fmt: skip
        response = client.post(ROUTINES, {**BODY, **change}, format="json")
        assert response.status_code == 400 and code in str(response.json()), response.content
    with tenant_context(world.tenant):
        assert not Routine.objects.exists()


def test_api_access(world, django_assert_max_num_queries):
    _routine(world)
    _routine(world)
    listed = api(world.ann).get(ROUTINES)
    assert listed.status_code == 200 and len(listed.json()["results"]) == 2
    with django_assert_max_num_queries(20):
        api(world.ann).get(ROUTINES)
    assert api(world.ann).post(ROUTINES, BODY, format="json").status_code == 403
    refused = api(world.bob).get(ROUTINES)
    assert refused.status_code == 403 and "solution_access_required" in str(refused.json())


def test_api_outsider_refused(world, globex_member):
    routine = _routine(world)
    assert api(globex_member).get(f"{ROUTINES}{routine.pk}/").status_code in (403, 404)
    assert api(globex_member, host="globex.localhost").get(f"{ROUTINES}{routine.pk}/").status_code in (403, 404)


def test_portal_list_create_detail(world, django_assert_max_num_queries):
    client = Client(HTTP_HOST=HOST)
    client.force_login(world.admin)
    _routine(world)
    page = client.get("/manage/tasks/routines/?search=Visit")
    assert page.status_code == 200 and b"Visit" in page.content
    data = {"name": "Portal visit", "workplace": "SYD-CBD", "rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=10",
            "start_date": "2026-12-08", "start_time": "09:00", "horizon_days": 14,
            "members": "@RT-CHECK | 0 | 60\nPhoto report | 60 | 30 | Front*, Back", "links": "1>2"}  # fmt: skip
    created = client.post("/manage/tasks/routines/", data)
    assert created.status_code == 302, created.content.decode()[:2000]
    detail = client.get(created["Location"])
    assert detail.status_code == 200 and b"Next occurrences" in detail.content
    bad = client.post("/manage/tasks/routines/", {**data, "rrule": "FREQ=DAILY"})
    assert bad.status_code == 400 and b"never ends" in bad.content
    with django_assert_max_num_queries(30):
        client.get("/manage/tasks/routines/")
    member = Client(HTTP_HOST=HOST)
    member.force_login(world.bob)
    assert member.get("/manage/tasks/routines/").status_code == 403
