"""Inspections offered to "anyone with role R at the site" (claimed by the task engine's rules), schedules
on a region or area (one inspection per site and occurrence, exactly once), and the drawn signature."""

import base64
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.access.services import assignment_create, role_create
from apps.inspections.models import Inspection
from apps.inspections.selectors import inspection_list, my_due
from apps.inspections.services import (
    inspection_claim,
    inspection_start,
    inspection_submit,
    inspections_generate,
    schedule_create,
    schedule_generate,
)
from apps.organisation.selectors import entity_root
from apps.tasks.models import Task
from apps.tasks.services import task_claim
from apps.workplaces.models import Workplace

from .conftest import API, HOST, answers, api, new_id

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def codes(exc: pytest.ExceptionInfo) -> set[str]:
    error = exc.value
    errors = [e for errs in error.error_dict.values() for e in errs] if hasattr(error, "error_dict") else [error]
    return {e.code for e in errors}


def offered(world, *, count: int = 3):
    """Daily SAFE inspections at the CBD store offered to the role "Store lead" (held by ann only)."""
    lead = role_create(code="store-lead", name="Store lead", permissions=[], acting_user=world.admin)
    assignment_create(role=lead, user=world.ann, scope_entity=entity_root(), acting_user=world.admin)
    schedule = schedule_create(template_code="SAFE", workplace=world.site, rrule=f"FREQ=DAILY;COUNT={count}",
                               starts_on=timezone.localdate() + datetime.timedelta(days=2),
                               time_of_day=datetime.time(9), role=lead, acting_user=world.admin)  # fmt: skip
    now = timezone.now()  # two days ahead: tomorrow 09:00 in Sydney is already past from 22:00 UTC
    schedule_generate(schedule=schedule, start=now, end=now + datetime.timedelta(days=count + 3))
    return lead, schedule, list(Inspection.objects.filter(schedule=schedule).order_by("due_at"))


def test_an_inspection_offered_to_a_role_goes_to_the_first_holder_who_claims_it(
    world, django_capture_on_commit_callbacks
):
    with tenant_context(world.tenant):
        lead, schedule, rows = offered(world)
        assert schedule.creates_task and len(rows) == 3
        first, second, third = rows
        task = Task.objects.get(pk=first.task_id)
        assert (first.role_id, first.assignee_id, task.assignee_kind, task.role_id) == (lead.pk, None, "role", lead.pk)
        # Only a holder of the role at the site sees them (the engine's claim rule): ann, not eve.
        assert set(inspection_list(user=world.ann).values_list("pk", flat=True)) >= {r.pk for r in rows}
        assert not inspection_list(user=world.eve).filter(schedule=schedule).exists()
        until = timezone.now() + datetime.timedelta(days=10)
        assert my_due(user=world.ann, until=until).filter(schedule=schedule).count() == 3
        assert not my_due(user=world.eve, until=until).filter(schedule=schedule).exists()
        with pytest.raises(ValidationError) as refused:
            inspection_claim(inspection=first, acting_user=world.eve)
        assert codes(refused) == {"role_required"}
        claimed = inspection_claim(inspection=first, acting_user=world.ann)
        assert claimed.assignee == world.ann and Task.objects.get(pk=first.task_id).assignee == world.ann
        assert inspection_claim(inspection=first, acting_user=world.ann).assignee == world.ann  # again: still hers
        assignment_create(role=lead, user=world.eve, scope_entity=entity_root(), acting_user=world.admin)
        with pytest.raises(ValidationError) as refused:
            inspection_claim(inspection=first, acting_user=world.eve)
        assert codes(refused) == {"already_claimed"}
        # Claimed on the task's own page: the inspection follows the task.
        with django_capture_on_commit_callbacks(execute=True):
            task_claim(task=Task.objects.get(pk=second.task_id), acting_user=world.eve)
        second.refresh_from_db()
        assert second.assignee == world.eve
        # Starting (or submitting) an offered inspection claims it.
        started = inspection_start(inspection=third, acting_user=world.eve)
        assert (started.assignee, started.status) == (world.eve, "in_progress")
        with pytest.raises(ValidationError) as refused:
            inspection_submit(inspection=third, answers=answers(world.template), client_id=new_id(),
                              acting_user=world.ann)  # fmt: skip
        assert codes(refused) == {"already_claimed"}
        with pytest.raises(ValidationError) as refused:
            schedule_create(template_code="SAFE", workplace=world.site, rrule="FREQ=DAILY;COUNT=1",
                            starts_on=timezone.localdate(), time_of_day=datetime.time(9), role=lead,
                            assignee=world.ann, acting_user=world.admin)  # fmt: skip
        assert codes(refused) == {"person_or_role"}


def test_claim_through_the_api(world):
    with tenant_context(world.tenant):
        _lead, _schedule, rows = offered(world, count=1)
    refused = api(world.eve).post(f"{API}results/{rows[0].pk}/claim/")
    assert refused.status_code == 404  # not open to eve: not hers to see either
    mine = api(world.ann).get(f"{API}me/due/?days=5").json()["results"]
    assert [(row["id"], row["role_name"], row["assignee"]) for row in mine] == [(rows[0].pk, "Store lead", None)]
    claimed = api(world.ann).post(f"{API}results/{rows[0].pk}/claim/")
    assert claimed.status_code == 200 and claimed.json()["assignee"] == str(world.ann.pk)
    with tenant_context(world.tenant):
        Inspection.objects.filter(pk=rows[0].pk).update(role=None)
    assert api(world.ann).post(f"{API}results/{rows[0].pk}/claim/").json()["code"] == "not_claimable"


def test_a_region_schedule_makes_one_inspection_per_site_and_occurrence_exactly_once(world):
    with tenant_context(world.tenant):
        region = Workplace.objects.get(code="NSW")
        sites = set(Workplace.objects.filter(code__in=["SYD-CBD", "PARRAMATTA"]).values_list("pk", flat=True))
        # Two days ahead: tomorrow 08:30 in Sydney (UTC+11) is already past from 21:30 UTC, and its first
        # occurrence would be skipped (the test failed between 21:30 and midnight UTC).
        schedule = schedule_create(template_code="SAFE", workplace=region, rrule="FREQ=WEEKLY;COUNT=2",
                                   starts_on=timezone.localdate() + datetime.timedelta(days=2),
                                   time_of_day=datetime.time(8, 30), acting_user=world.admin)  # fmt: skip
        now = timezone.now()
        made = [inspections_generate(now=now) for _ in range(3)]
        rows = Inspection.objects.filter(schedule=schedule)
        assert made[1:] == [0, 0] and rows.count() == 4
        assert set(rows.values_list("workplace_id", flat=True)) == sites
        per_site = {(site, key) for site, key in rows.values_list("workplace_id", "occurrence_key")}
        assert len(per_site) == 4 and {key[11:] for _, key in per_site} == {"08:30"}  # each site's own time
        # A site closed later gets no new inspections; the ones made stay.
        Workplace.objects.filter(code="PARRAMATTA").update(is_active=False)
        assert schedule_generate(schedule=schedule, start=now, end=now + datetime.timedelta(days=30)) == 0
        assert rows.count() == 4


def test_a_drawn_signature_is_stored_as_the_inspection_signature(world):
    with tenant_context(world.tenant):
        inspection = inspection_start(template=world.template, workplace=world.site, acting_user=world.ann)
        form = {f"item-{a['item']}": a["value"] for a in answers(world.template)}
    client = Client(HTTP_HOST=HOST)
    client.force_login(world.ann)
    page = client.get(f"/manage/inspections/{inspection.pk}/perform/")
    assert b'id="signature-pad"' in page.content and b"inspections/signature.js" in page.content
    svg = "data:image/png;base64," + base64.b64encode(b"<svg/>").decode()
    forged = client.post(f"/manage/inspections/{inspection.pk}/perform/",
                         {**form, "client_id": new_id(), "signature_data_url": svg})  # fmt: skip
    assert forged.status_code == 302 and forged["Location"].endswith("/perform/")  # refused: not a PNG
    done = client.post(f"/manage/inspections/{inspection.pk}/perform/",
                       {**form, "client_id": new_id(),
                        "signature_data_url": "data:image/png;base64," + base64.b64encode(PNG).decode()})  # fmt: skip
    assert done.status_code == 302 and done["Location"].endswith(f"/manage/inspections/{inspection.pk}/")
    with tenant_context(world.tenant):
        inspection.refresh_from_db()
        assert inspection.status == "submitted" and inspection.signature.name.endswith(".png")
        with inspection.signature.open("rb") as stored:
            assert stored.read() == PNG


def test_trends_show_each_sites_scores_over_time_and_pass_rate(world, django_assert_max_num_queries):
    with tenant_context(world.tenant):
        parramatta = Workplace.objects.get(code="PARRAMATTA")
        for site, results in ((world.site, ["pass", "fail", "pass"]), (parramatta, ["fail"])):
            for exits in results:
                inspection = inspection_start(template=world.template, workplace=site, acting_user=world.ann)
                inspection_submit(inspection=inspection, answers=answers(world.template, exits=exits),
                                  client_id=new_id(), acting_user=world.ann)  # fmt: skip
    body = api(world.admin).get(f"{API}trends/?template=SAFE").json()
    sites = [(s["code"], s["count"], s["passed"], s["pass_rate"]) for s in body["sites"]]
    assert sites == [("PARRAMATTA", 1, 0, "0.0"), ("SYD-CBD", 3, 2, "66.7")]  # worst first
    assert [p["score"] for p in body["sites"][1]["points"]] == ["100.00", "57.14", "100.00"]  # oldest first
    assert body["weeks"][-1]["pass_rate"] == "50.0"
    client = Client(HTTP_HOST=HOST)
    client.force_login(world.admin)
    with django_assert_max_num_queries(30):
        page = client.get("/manage/inspections/trends/?template=SAFE")
    text = page.content.decode()
    assert page.status_code == 200 and text.count("<polyline") == 2 and "66.7 %" in text
