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


def _member_rows(rows, links, occurrence):
    data = {"m-TOTAL_FORMS": len(rows), "m-INITIAL_FORMS": 2, "m-MIN_NUM_FORMS": 0, "m-MAX_NUM_FORMS": 20,
            "links": links, "occurrence": occurrence}  # fmt: skip
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"m-{index}-{name}"] = value
    return data


def test_portal_member_editor_adds_removes_reorders_and_relinks(world, django_assert_max_num_queries):
    routine = _routine(world)
    with tenant_context(world.tenant):
        check, photo = routine.members.order_by("position")
    admin = Client(HTTP_HOST=HOST)
    admin.force_login(world.admin)
    url = f"/manage/tasks/routines/{routine.pk}/members/"
    with django_assert_max_num_queries(25):
        page = admin.get(url)
    assert page.status_code == 200 and b"@RT-CHECK" in page.content and b'value="1&gt;2"' in page.content
    key = page.context["form"].fields["occurrence"].choices[1][0]
    rows = [
        {"member": check.pk, "what": "@RT-CHECK", "offset_minutes": 0, "due_minutes": 60, "ORDER": 2},
        {"member": photo.pk, "what": "Photo", "offset_minutes": 30, "due_minutes": 60, "ORDER": 1},
        {"what": "Sign off", "offset_minutes": 90, "due_minutes": 15, "checklist": "Signed*", "ORDER": 3},
    ]
    cycle = admin.post(url, _member_rows(rows, "1>2, 2>1", key))
    assert cycle.status_code == 400 and b"cycle" in cycle.content
    unknown = admin.post(url, _member_rows(rows, "1>7", key))
    assert unknown.status_code == 400 and b"No such rows" in unknown.content
    member = Client(HTTP_HOST=HOST)
    member.force_login(world.ann)
    assert member.get(url).status_code == 200 and member.post(url, _member_rows(rows, "", key)).status_code == 403
    saved = admin.post(url, _member_rows(rows, "2>1, 1>3", key))
    assert saved.status_code == 302, saved.content.decode()[:3000]
    with tenant_context(world.tenant):
        new = Routine.objects.get(split_from=routine)
        members = list(new.members.order_by("position"))
        assert [(m.title or m.template.code, m.offset_minutes) for m in members] == [
            ("Photo", 30), ("RT-CHECK", 0), ("Sign off", 90)
        ]  # fmt: skip
        assert members[2].checklist == [["Signed", True]]
        position = {m.pk: m.position for m in members}
        assert sorted((position[k.predecessor_id], position[k.successor_id]) for k in new.links.all()) == [
            (1, 2),
            (2, 3),
        ]
    # Removing a row takes its links with it.
    new_url = f"/manage/tasks/routines/{new.pk}/members/"
    key = admin.get(new_url).context["form"].fields["occurrence"].choices[1][0]
    rows = [{"member": members[0].pk, "what": "Photo", "offset_minutes": 30, "due_minutes": 60, "ORDER": 1},
            {"member": members[1].pk, "what": "@RT-CHECK", "offset_minutes": 0, "due_minutes": 60, "ORDER": 2,
             "DELETE": "on"}]  # fmt: skip
    data = _member_rows(rows, "1>2", key)
    data["m-INITIAL_FORMS"] = 2
    assert admin.post(new_url, data).status_code == 302
    with tenant_context(world.tenant):
        last = Routine.objects.get(split_from=new)
        assert [m.title for m in last.members.all()] == ["Photo"] and not last.links.exists()
