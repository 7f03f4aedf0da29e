import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.inspections.models import Inspection
from apps.inspections.services import schedule_create, schedule_generate
from apps.tasks.models import Task

from .conftest import API, HOST, answers, api, new_id

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def due_for(world, count=3):
    with tenant_context(world.tenant):
        schedule = schedule_create(template_code="SAFE", workplace=world.site, rrule="FREQ=DAILY;COUNT=10",
                                   starts_on=timezone.localdate(), time_of_day=datetime.time(23, 59),
                                   assignee=world.ann, acting_user=world.admin, creates_task=True)  # fmt: skip
        now = timezone.now()
        schedule_generate(
            schedule=schedule, start=now - datetime.timedelta(days=1), end=now + datetime.timedelta(days=3)
        )
        return list(Inspection.objects.filter(schedule=schedule).order_by("due_at"))[:count]


def test_mobile_walk_due_start_photo_submit_result(world, django_assert_max_num_queries):
    due = due_for(world)
    client = api(world.ann)
    with django_assert_max_num_queries(12):
        mine = client.get(f"{API}me/due/?days=7")
    assert mine.status_code == 200 and len(mine.json()["results"]) >= len(due)  # due_for returns the first 3
    first = due[0]
    assert first.task_id is not None
    started = client.post(f"{API}start/", {"inspection": first.pk}, format="json")
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    with tenant_context(world.tenant):
        body = answers(world.template, exits="fail")
    photo = client.post(f"{API}results/{first.pk}/evidence/", {"file": SimpleUploadedFile("exit.png", PNG, "image/png"),
                        "item": body[0]["item"]}, format="multipart")  # fmt: skip
    assert photo.status_code == 201, photo.content
    refused = client.post(f"{API}results/{first.pk}/evidence/",
                          {"file": SimpleUploadedFile("a.txt", b"hi", "text/plain")}, format="multipart")  # fmt: skip
    assert refused.status_code == 400 and refused.json()["code"] == "attachment_type_refused"
    client_id = new_id()
    submitted = client.post(f"{API}results/{first.pk}/submit/", {"client_id": client_id, "answers": body},
                            format="json")  # fmt: skip
    assert submitted.status_code == 201, submitted.content
    result = submitted.json()
    assert result["passed"] is False and result["score"] == "57.14"
    failed = [a for a in result["answers"] if a["failed"]]
    assert len(failed) == 1 and failed[0]["corrective_task_status"] == "todo"
    # multipart retry with the same id (answers as a JSON string): the same result, no second task
    retry = client.post(f"{API}results/{first.pk}/submit/", {"client_id": client_id, "answers": json.dumps(body)},
                        format="multipart")  # fmt: skip
    assert retry.status_code == 200 and retry.json()["id"] == first.pk
    with tenant_context(world.tenant):
        assert Task.objects.filter(origin_kind="inspections.item").count() == 1
        assert Task.objects.get(pk=first.task_id).status == "done"
    with django_assert_max_num_queries(14):
        detail = client.get(f"{API}results/{first.pk}/")
    assert detail.status_code == 200 and len(detail.json()["evidence"]) == 1


def test_submit_refusals_are_coded(world):
    due = due_for(world, count=1)
    client = api(world.ann)
    missing = client.post(f"{API}results/{due[0].pk}/submit/", {"client_id": new_id(), "answers": []}, format="json")
    assert missing.status_code == 400 and missing.json()["code"] == "answers_missing"
    assert len(missing.json()["errors"]["answers"]) == 3
    bad = client.post(f"{API}results/{due[0].pk}/submit/", {"client_id": "x", "answers": []}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_client_id"


def test_ad_hoc_start_and_templates(world):
    client = api(world.eve)
    assert [t["code"] for t in client.get(f"{API}templates/").json()["results"]] == ["SAFE"]
    detail = client.get(f"{API}templates/SAFE/")
    assert detail.status_code == 200 and len(detail.json()["items"]) == 4
    started = client.post(f"{API}start/", {"template": "SAFE", "workplace": "SYD-CBD"}, format="json")
    assert started.status_code == 201 and started.json()["status"] == "in_progress"
    assert client.post(f"{API}start/", {"template": "NOPE", "workplace": "SYD-CBD"}, format="json").status_code == 404


def test_who_sees_what(world, globex_member):
    due = due_for(world, count=1)
    with tenant_context(world.tenant):
        Inspection.objects.filter(pk=due[0].pk).update(assignee=world.ann)
    assert api(world.eve).get(f"{API}results/{due[0].pk}/").status_code == 404  # someone else's
    no_access = api(world.bob).get(f"{API}templates/")
    assert no_access.status_code == 403 and no_access.json()["code"] == "solution_access_required"
    assert api(world.ann).get(f"{API}trends/?template=SAFE").json()["code"] == "admin_required"
    assert api(globex_member).get(f"{API}templates/").status_code == 403
    trends = api(world.admin).get(f"{API}trends/?template=SAFE")
    assert trends.status_code == 200 and trends.json()["weeks"] == []


def portal(user):
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client


def test_portal_perform_result_templates_and_trends(world, django_assert_max_num_queries):
    due = due_for(world, count=2)
    ann = portal(world.ann)
    with django_assert_max_num_queries(30):
        listing = ann.get("/manage/inspections/?status=open")
    assert listing.status_code == 200 and b"Safety walk" in listing.content
    assert ann.get(f"/manage/inspections/{due[0].pk}/perform/").status_code == 200
    with tenant_context(world.tenant):
        form = {f"item-{a['item']}": a["value"] for a in answers(world.template, tags="no")}
    form["client_id"] = new_id()
    done = ann.post(f"/manage/inspections/{due[0].pk}/perform/", form)
    assert done.status_code == 302 and done["Location"].endswith(f"/manage/inspections/{due[0].pk}/")
    result = ann.get(done["Location"])
    assert result.status_code == 200 and b"Fix: Extinguishers tagged" in result.content
    assert ann.get("/manage/inspections/templates/").status_code == 403
    admin = portal(world.admin)
    builder = "# Exits\npf | Exits clear | 3 | task: Clear them\n# Floor\ns5<3 | Aisles tidy\nyn | Kit | optional"
    published = admin.post("/manage/inspections/templates/publish/",
                           {"code": "WALK", "name": "Walk", "pass_mark": 70, "items": builder})  # fmt: skip
    assert published.status_code == 302
    edit = admin.get("/manage/inspections/templates/?edit=WALK")
    assert b"s5&lt;3 | Aisles tidy" in edit.content
    bad = admin.post("/manage/inspections/templates/publish/", {"code": "X", "name": "X", "pass_mark": 70,
                     "items": "pf | no section"})  # fmt: skip
    assert bad.status_code == 400
    trends = admin.get("/manage/inspections/trends/?template=SAFE")
    assert trends.status_code == 200 and b"Extinguishers tagged" in trends.content
    assert admin.get("/manage/inspections/schedules/").status_code == 200
