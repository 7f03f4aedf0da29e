"""The task API: who sees and does what, the codes, me/today and its constant queries."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.tasks.demo import STORE_VISIT
from apps.tasks.models import Task
from apps.tasks.services import task_create, template_create

from .conftest import CBD, TASKS, api
from .test_services import PNG


def test_store_visit_from_template_completed_through_the_api(world):
    with tenant_context(world.tenant):
        template_create(acting_user=world.admin, code="STORE-VISIT", name="Store visit", required_evidence=["photo"],
                        checklist=STORE_VISIT)  # fmt: skip
    admin = api(world.admin)
    created = admin.post(TASKS, {"template": "STORE-VISIT", "workplace": "SYD-CBD", "assignee": "ann@acme.test",
                                 "due_at": timezone.now().isoformat()}, format="json")  # fmt: skip
    assert created.status_code == 201, created.json()
    task = created.json()
    assert (task["assignee_id"], task["checklist_total"], task["evidence_missing"]) == (str(world.ann.pk), 4, ["photo"])
    ann = api(world.ann)
    url = f"{TASKS}{task['id']}/"
    refused = ann.post(f"{url}status/", {"status": "done"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (400, "required_items_open")
    for item in task["checklist"]:
        if item["is_required"]:
            assert ann.post(f"{url}checklist/{item['id']}/tick/").status_code == 200
    assert ann.post(f"{url}status/", {"status": "done"}, format="json").json()["code"] == "evidence_missing"
    upload = ann.post(f"{url}attachments/", {"file": SimpleUploadedFile("p.png", PNG), "kind": "photo"},
                      format="multipart")  # fmt: skip
    assert upload.status_code == 201, upload.json()
    done = ann.post(f"{url}status/", {"status": "done", "note": "Display photographed"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["completion_percent"] == 50


def test_members_see_their_tasks_managers_their_reports_admins_all(world):
    with tenant_context(world.tenant):
        anns = task_create(title="Ann's", acting_user=world.admin, assignee=world.ann)
        bobs = task_create(title="Bob's", acting_user=world.admin, assignee=world.bob)
    assert api(world.ann).get(f"{TASKS}{bobs.pk}/").status_code == 404
    assert api(world.mia).get(f"{TASKS}{anns.pk}/").status_code == 200  # her report's
    assert {row["id"] for row in api(world.admin).get(TASKS).json()["results"]} >= {anns.pk, bobs.pk}
    assert [row["id"] for row in api(world.ann).get(TASKS).json()["results"]] == [anns.pk]
    refused = api(world.ann).patch(f"{TASKS}{anns.pk}/", {"title": "Mine now"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "manage_refused")
    assert api(world.cat).get(TASKS).status_code == 403  # no access to the solution


def test_outsiders_are_refused(world, globex_member):
    with tenant_context(world.tenant):
        task = task_create(title="Acme's", acting_user=world.admin, assignee=world.ann)
    assert api(globex_member).get(f"{TASKS}{task.pk}/").status_code == 403
    assert api(world.ann, host="globex.localhost").get(f"{TASKS}{task.pk}/").status_code in (403, 404)


def test_a_second_claim_gets_409(world):
    with tenant_context(world.tenant):
        task = task_create(title="Spill", acting_user=world.admin, role=world.lead, workplace=world.cbd)
    assert api(world.mia).post(f"{TASKS}{task.pk}/claim/").status_code == 200
    second = api(world.bob).post(f"{TASKS}{task.pk}/claim/")
    assert (second.status_code, second.json()["code"]) == (409, "already_claimed")


def test_me_today_mine_and_claimable_nearest_first_in_constant_queries(world, django_assert_max_num_queries):
    with tenant_context(world.tenant):
        parramatta = world.cbd.__class__.objects.get(code="PARRAMATTA")
        now = timezone.now()
        for index in range(3):
            task_create(title=f"Far {index}", acting_user=world.admin, assignee=world.mia, workplace=parramatta,
                        due_at=now, checklist=[("x", True)])  # fmt: skip
        near = task_create(title="Near", acting_user=world.admin, role=world.lead, workplace=world.cbd, due_at=now)
        task_create(title="Next week", acting_user=world.admin, assignee=world.mia, due_at=now + datetime.timedelta(7))
        task_create(title="Someone else's", acting_user=world.admin, assignee=world.bob, workplace=world.cbd,
                    due_at=now)  # fmt: skip
    client = api(world.mia)
    client.get(f"{TASKS}me/today/")  # warm the per-process caches
    with django_assert_max_num_queries(14):
        page = client.get(f"{TASKS}me/today/", {"lat": CBD[0], "lng": CBD[1]}).json()
    rows = page["results"]
    assert rows[0]["id"] == near.pk and rows[0]["claimable"] and rows[0]["distance_m"] < 1
    assert [row["title"] for row in rows[1:]] == ["Far 0", "Far 1", "Far 2"]
    with tenant_context(world.tenant):
        for index in range(10):
            task_create(title=f"More {index}", acting_user=world.admin, assignee=world.mia, due_at=now)
    with django_assert_max_num_queries(14):
        assert len(client.get(f"{TASKS}me/today/").json()["results"]) == 14
    refused = api(world.admin).get(f"{TASKS}me/today/", {"lat": "north"})
    assert refused.json()["code"] == "invalid_position"


def test_me_today_puts_my_overdue_open_tasks_first_in_constant_queries(world, django_assert_num_queries):
    with tenant_context(world.tenant):
        now = timezone.now()
        late = task_create(title="Late", acting_user=world.admin, assignee=world.mia, workplace=world.cbd,
                           due_at=now - datetime.timedelta(days=3))  # fmt: skip
        today = task_create(title="Today", acting_user=world.admin, assignee=world.mia, workplace=world.cbd,
                            due_at=now)  # fmt: skip
        done = task_create(title="Late but done", acting_user=world.admin, assignee=world.mia,
                           due_at=now - datetime.timedelta(days=2))  # fmt: skip
        Task.objects.filter(pk=done.pk).update(status="done", completed_at=now)
        task_create(title="Late, Bob's", acting_user=world.admin, assignee=world.bob, workplace=world.cbd,
                    due_at=now - datetime.timedelta(days=2))  # fmt: skip
    client = api(world.mia)
    client.get(f"{TASKS}me/today/")  # warm the per-process caches
    for params in ({}, {"lat": CBD[0], "lng": CBD[1]}):
        rows = client.get(f"{TASKS}me/today/", params).json()["results"]
        assert [(row["id"], row["overdue"]) for row in rows] == [(late.pk, True), (today.pk, False)], params
    with CaptureQueriesContext(connection) as few:
        client.get(f"{TASKS}me/today/", {"lat": CBD[0], "lng": CBD[1]})
    with tenant_context(world.tenant):
        for days in range(2, 12):
            task_create(title=f"Later {days}", acting_user=world.admin, assignee=world.mia, workplace=world.cbd,
                        due_at=now - datetime.timedelta(days=days))  # fmt: skip
    with django_assert_num_queries(len(few.captured_queries)):
        rows = client.get(f"{TASKS}me/today/", {"lat": CBD[0], "lng": CBD[1]}).json()["results"]
    assert len(rows) == 12 and all(row["overdue"] for row in rows[:11]) and rows[-1]["id"] == today.pk


def test_me_today_keeps_claimable_offers_overdue_by_a_week_at_most(world):
    with tenant_context(world.tenant):
        now = timezone.now()
        recent = task_create(title="Spill, 2 days late", acting_user=world.admin, role=world.lead, workplace=world.cbd,
                             due_at=now - datetime.timedelta(days=2))  # fmt: skip
        task_create(title="Spill, a month late", acting_user=world.admin, role=world.lead, workplace=world.cbd,
                    due_at=now - datetime.timedelta(days=30))  # fmt: skip
    rows = api(world.mia).get(f"{TASKS}me/today/").json()["results"]
    assert [(row["id"], row["overdue"], row["claimable"]) for row in rows] == [(recent.pk, True, True)]


def test_list_and_detail_queries_do_not_grow(world, django_assert_max_num_queries):
    with tenant_context(world.tenant):
        tasks = [task_create(title=f"T{i}", acting_user=world.admin, assignee=world.ann, checklist=[("a", True)])
                 for i in range(12)]  # fmt: skip
    client = api(world.admin)
    client.get(TASKS)
    with django_assert_max_num_queries(12):
        assert len(client.get(TASKS, {"status": "open"}).json()["results"]) >= 12
    with django_assert_max_num_queries(16):
        detail = client.get(f"{TASKS}{tasks[0].pk}/").json()
    assert detail["checklist"][0]["text"] == "a" and detail["completion_percent"] == 0


def test_bad_input_is_refused_with_codes(world):
    client = api(world.admin)
    cases = (
        ({"title": "x", "workplace": "NOWHERE"}, "unknown_workplace"),
        ({"title": "x", "assignee": "ghost@acme.test"}, "unknown_member"),
        ({"template": "NOPE"}, "unknown_template"),
        ({"title": " "}, "title_required"),
    )
    for body, code in cases:
        answer = client.post(TASKS, body, format="json")
        assert (answer.status_code, answer.json()["code"]) == (400, code), body
    with tenant_context(world.tenant):
        assert not Task.objects.exists()
