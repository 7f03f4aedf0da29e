import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from apps.inspections.models import Answer, Inspection, InspectionSchedule
from apps.inspections.services import (
    ORIGIN_ITEM,
    evidence_add,
    inspection_start,
    inspection_submit,
    schedule_create,
    schedule_generate,
    signature_file,
    template_publish,
    template_sections,
)
from apps.tasks.models import Task

from .conftest import SECTIONS, answers, items, new_id

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def start(world, user=None):
    return inspection_start(template=world.template, workplace=world.site, acting_user=user or world.ann)


def codes(exc: ValidationError) -> set[str]:
    found: set[str] = set()
    for errors in exc.error_dict.values() if hasattr(exc, "error_dict") else [exc.error_list]:
        found.update(str(error.code) for error in errors)
    return found


def test_score_uses_weights_and_leaves_na_out(world):
    with tenant_context(world.tenant):
        # exits pass 3/3, tags N/A (out), aisles 2/4 of weight 2 = 1/2: 4 of 5 = 80 % → passes at 80.
        done, created = inspection_submit(inspection=start(world), answers=answers(world.template, tags="na",
                                          aisles="2"), client_id=new_id(), acting_user=world.ann)  # fmt: skip
        assert created and done.score == Decimal("80.00") and done.passed is True
        assert not Answer.objects.filter(inspection=done, failed=True).exists()
        # aisles 1 < fail_below 2: failed; 3 + 2 + 0.5 of 7 = 78.57 % → below the pass mark.
        low, _ = inspection_submit(inspection=start(world), answers=answers(world.template, aisles="1"),
                                   client_id=new_id(), acting_user=world.ann)  # fmt: skip
        assert low.score == Decimal("78.57") and low.passed is False


def test_failed_item_opens_one_corrective_task_even_when_retried(world, events, django_capture_on_commit_callbacks):
    with tenant_context(world.tenant):
        inspection, client_id = start(world), new_id()
        body = answers(world.template, exits="fail", tags="no")
        with django_capture_on_commit_callbacks(execute=True):
            done, created = inspection_submit(inspection=inspection, answers=body, client_id=client_id,
                                              acting_user=world.ann)  # fmt: skip
        again, created_again = inspection_submit(inspection=inspection, answers=body, client_id=client_id,
                                                 acting_user=world.ann)  # fmt: skip
        assert created and not created_again and again.pk == done.pk
        failed = Answer.objects.filter(inspection=done, failed=True).select_related("corrective_task", "item")
        assert {a.item.question for a in failed} == {"Fire exits clear", "Extinguishers tagged"}
        tasks = Task.objects.filter(origin_kind=ORIGIN_ITEM)
        assert tasks.count() == 2
        exits = failed.get(item__question="Fire exits clear")
        assert exits.corrective_task.title == "Clear the exits" and exits.corrective_task.origin_id == str(exits.pk)
        assert exits.corrective_task.workplace_id == world.site.pk
        with pytest.raises(ValidationError) as refused:
            inspection_submit(inspection=inspection, answers=body, client_id=new_id(), acting_user=world.ann)
        assert codes(refused.value) == {"already_submitted"}
        assert Task.objects.filter(origin_kind=ORIGIN_ITEM).count() == 2
    names = [name for name, _ in events]
    assert names.count("inspection.submitted") == 1 and names.count("inspection.failed_item") == 2


def test_missing_required_and_bad_values_are_refused_with_nothing_written(world):
    with tenant_context(world.tenant):
        inspection = start(world)
        with pytest.raises(ValidationError) as refused:
            inspection_submit(inspection=inspection, answers=answers(world.template, exits=None, tags=None),
                              client_id=new_id(), acting_user=world.ann)  # fmt: skip
        errors = refused.value.error_dict["answers"]
        assert {e.code for e in errors} == {"answers_missing"} and len(errors) == 2
        assert "Fire exits clear" in " ".join(refused.value.messages)
        for bad in ({"aisles": "9"}, {"exits": "maybe"}):
            with pytest.raises(ValidationError) as refused:
                inspection_submit(inspection=inspection, answers=answers(world.template, **bad),
                                  client_id=new_id(), acting_user=world.ann)  # fmt: skip
            assert codes(refused.value) == {"invalid_answer"}
        inspection.refresh_from_db()
        assert inspection.status == "in_progress" and not inspection.answers.exists()


def test_a_new_version_leaves_old_results_readable(world):
    with tenant_context(world.tenant):
        old, _ = inspection_submit(inspection=start(world), answers=answers(world.template), client_id=new_id(),
                                   acting_user=world.ann)  # fmt: skip
        sections = template_sections(world.template)
        sections[0]["items"][0]["question"] = "Fire exits clear and unlocked"
        v2 = template_publish(code="SAFE", name="Safety walk", sections=sections, pass_mark=90,
                              acting_user=world.admin)  # fmt: skip
        world.template.refresh_from_db()
        assert v2.version == 2 and not world.template.is_current
        old.refresh_from_db()
        assert old.template.version == 1 and old.template.pass_mark == 80
        assert old.answers.filter(item__question="Fire exits clear").exists()
        fresh = inspection_start(template=v2, workplace=world.site, acting_user=world.ann)
        assert "Fire exits clear and unlocked" in items(fresh.template)
        with pytest.raises(ValidationError) as refused:
            inspection_start(template=world.template, workplace=world.site, acting_user=world.ann)
        assert codes(refused.value) == {"template_not_current"}


def test_weekly_schedule_keeps_local_time_across_daylight_saving(world):
    sydney = zoneinfo.ZoneInfo("Australia/Sydney")
    with tenant_context(world.tenant):
        # Sydney leaves daylight saving on Sunday 5 April 2026: 09:00 local is 22:00 UTC before, 23:00 after.
        schedule = schedule_create(template_code="SAFE", workplace=world.site, rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=6",
                                   starts_on=datetime.date(2026, 3, 23), time_of_day=datetime.time(9),
                                   assignee=world.ann, acting_user=world.admin)  # fmt: skip
        start = datetime.datetime(2026, 3, 20, tzinfo=datetime.UTC)
        assert schedule_generate(schedule=schedule, start=start, end=start + datetime.timedelta(days=30)) == 4
        assert schedule_generate(schedule=schedule, start=start, end=start + datetime.timedelta(days=30)) == 0
        due = list(Inspection.objects.filter(schedule=schedule).order_by("due_at").values_list("due_at", flat=True))
        assert {moment.astimezone(sydney).hour for moment in due} == {9}
        assert [moment.hour for moment in due] == [22, 22, 23, 23]


def test_schedule_refuses_a_rule_that_never_ends_or_yields_nothing(world):
    with tenant_context(world.tenant):
        for rule, code in (("FREQ=WEEKLY;BYDAY=MO", "unbounded_rrule"),
                           ("FREQ=WEEKLY;UNTIL=20200101", "empty_rrule")):  # fmt: skip
            with pytest.raises(ValidationError) as refused:
                schedule_create(template_code="SAFE", workplace=world.site, rrule=rule, starts_on=datetime.date.today(),
                                time_of_day=datetime.time(9), acting_user=world.admin)  # fmt: skip
            assert codes(refused.value) == {code}
        assert not InspectionSchedule.objects.exists()


def test_evidence_limits_and_signature(world):
    with tenant_context(world.tenant):
        inspection = start(world)
        photo = evidence_add(inspection=inspection, upload=SimpleUploadedFile("shelf.png", PNG, "image/png"),
                             item=items(world.template)["Fire exits clear"], acting_user=world.ann)  # fmt: skip
        assert photo.size == len(PNG) and photo.file.name.startswith(f"inspections/{world.tenant.schema_name}/")
        exe = SimpleUploadedFile("x.exe", b"MZ", "application/x-msdownload")
        for upload, code in ((exe, "attachment_type_refused"),
                             (SimpleUploadedFile("big.jpg", b"0" * (10 * 1024 * 1024 + 1), "image/jpeg"),
                              "attachment_too_large")):  # fmt: skip
            with pytest.raises(ValidationError) as refused:
                evidence_add(inspection=inspection, upload=upload, acting_user=world.ann)
            assert codes(refused.value) == {code}
        import base64

        drawn = signature_file(data_url="data:image/png;base64," + base64.b64encode(PNG).decode())
        done, _ = inspection_submit(inspection=inspection, answers=answers(world.template), client_id=new_id(),
                                    signature=drawn, acting_user=world.ann)  # fmt: skip
        assert done.signature.name.endswith(".png") and inspection.evidence.count() == 1
        with pytest.raises(ValidationError) as refused:
            signature_file(data_url="data:text/html;base64,PGI+")
        assert codes(refused.value) == {"invalid_signature"}


def test_template_needs_items(world):
    with tenant_context(world.tenant):
        with pytest.raises(ValidationError) as refused:
            template_publish(code="EMPTY", name="Empty", sections=[{"title": "A", "items": []}], acting_user=None)
        assert codes(refused.value) == {"items_required"}
        assert template_publish(code="SAFE2", name="Copy", sections=SECTIONS, acting_user=None).version == 1
