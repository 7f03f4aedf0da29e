"""The engine's rules and their codes (services, in Acme's schema)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from apps.core.contributions import Hook, contribute, contributions_reset
from apps.core.errors import refused as refusal_of
from apps.core.uploads import sniff
from apps.tasks import services as task_services
from apps.tasks.models import Task, TaskStatus, TaskTemplate
from apps.tasks.services import (
    COMPLETION_CHECK,
    attachment_add,
    checklist_item_add,
    checklist_item_set,
    checklist_reorder,
    comment_add,
    task_check_in,
    task_claim,
    task_create,
    task_create_from_template,
    task_status_set,
    template_create,
    template_update,
)

from .conftest import CBD

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64


def code_of(error: pytest.ExceptionInfo) -> str:
    value = error.value
    return next(iter(value.error_dict.values()))[0].code if hasattr(value, "error_dict") else value.code


def test_completion_needs_required_items_and_every_required_evidence(world):
    with tenant_context(world.tenant):
        task = task_create(title="Visit", acting_user=world.ann, assignee=world.ann, workplace=world.cbd,
                           checklist=[("Shelves", True)], required_evidence=["photo", "note", "check_in"])  # fmt: skip
        with pytest.raises(ValidationError) as refused:
            task_status_set(task=task, status=TaskStatus.DONE, acting_user=world.ann)
        assert code_of(refused) == "required_items_open"
        checklist_item_set(item=task.checklist.get(), done=True, acting_user=world.ann)
        with pytest.raises(ValidationError) as refused:
            task_status_set(task=task, status=TaskStatus.DONE, acting_user=world.ann)
        assert code_of(refused) == "evidence_missing" and "photo, note, check-in" in refused.value.messages[0]
        attachment_add(task=task, upload=SimpleUploadedFile("shelf.png", PNG), kind="photo", acting_user=world.ann)
        with pytest.raises(ValidationError) as refused:
            task_check_in(task=task, lat=CBD[0] + 0.01, lng=CBD[1], accuracy_m=5, acting_user=world.ann)
        assert code_of(refused) == "outside_geofence"
        task_check_in(task=task, lat=CBD[0], lng=CBD[1], accuracy_m=5, acting_user=world.ann)
        done = task_status_set(task=task, status=TaskStatus.DONE, acting_user=world.ann, note="All good")
        assert (done.status, done.completion_note, done.check_in_verdict) == ("done", "All good", "inside")
        with pytest.raises(ValidationError) as refused:
            task_status_set(task=done, status=TaskStatus.CANCELLED, acting_user=world.ann)
        assert code_of(refused) == "invalid_transition"
        reopened = task_status_set(task=done, status=TaskStatus.TODO, acting_user=world.ann)
        assert reopened.completed_at is None and reopened.completed_by is None


def test_claim_needs_the_role_at_the_workplace_and_the_first_wins(world, events, django_capture_on_commit_callbacks):
    with tenant_context(world.tenant):
        task = task_create(title="Spill", acting_user=world.admin, role=world.lead, workplace=world.cbd)
        with pytest.raises(ValidationError) as refused:
            task_claim(task=task, acting_user=world.ann)
        assert code_of(refused) == "role_required"
        with django_capture_on_commit_callbacks(execute=True):
            claimed = task_claim(task=task, acting_user=world.mia)
        assert claimed.assignee == world.mia and claimed.claimed_at is not None
        with pytest.raises(ValidationError) as refused:
            task_claim(task=task, acting_user=world.bob)
        assert code_of(refused) == "already_claimed"
        assert ("task.claimed", claimed.pk) in [(name, payload["id"]) for name, payload in events]
        assert claimed.watchers.filter(user=world.mia).exists()


def test_comment_mentions_by_email_and_name_are_recorded_and_told(world, events, django_capture_on_commit_callbacks):
    with tenant_context(world.tenant):
        task = task_create(title="Visit", acting_user=world.ann, assignee=world.ann)
        with django_capture_on_commit_callbacks(execute=True):
            comment = comment_add(task=task, body='Ask @mia@acme.test and @"Bob Tester", not @nobody@x.io',
                                  acting_user=world.ann)  # fmt: skip
        assert set(comment.mentioned.all()) == {world.mia, world.bob}
        payload = next(p for name, p in events if name == "task.commented")
        assert sorted(payload["mentioned_ids"]) == sorted([str(world.mia.pk), str(world.bob.pk)])
        assert set(task.watchers.values_list("user_id", flat=True)) == {world.ann.pk, world.mia.pk, world.bob.pk}
        with pytest.raises(ValidationError) as refused:
            comment_add(task=task, body="  ", acting_user=world.ann)
        assert code_of(refused) == "body_required"


def test_attachments_are_sniffed_and_limited(world, monkeypatch):
    with tenant_context(world.tenant):
        task = task_create(title="Visit", acting_user=world.ann, assignee=world.ann)
        cases = (
            (SimpleUploadedFile("fake.jpg", b"MZ\x90\x00 not an image"), "photo", "attachment_type"),
            (SimpleUploadedFile("report.pdf", PDF), "photo", "attachment_type"),
            (SimpleUploadedFile("notes.exe", b"hello"), "file", "attachment_type"),
            (SimpleUploadedFile("empty.png", b""), "photo", "attachment_empty"),
        )
        for upload, kind, code in cases:
            with pytest.raises(ValidationError) as refused:
                attachment_add(task=task, upload=upload, kind=kind, acting_user=world.ann)
            assert code_of(refused) == code
        monkeypatch.setattr(task_services, "PHOTO_MAX_BYTES", 32)
        with pytest.raises(ValidationError) as refused:
            attachment_add(task=task, upload=SimpleUploadedFile("big.png", PNG), kind="photo", acting_user=world.ann)
        assert code_of(refused) == "attachment_too_large"
        stored = attachment_add(task=task, upload=SimpleUploadedFile("r.pdf", PDF), kind="file", acting_user=world.ann)
        text = attachment_add(task=task, upload=SimpleUploadedFile("a.csv", b"a,b\n1,2\n"), acting_user=world.ann)
        assert (stored.content_type, text.content_type) == ("application/pdf", "text/csv")
        with stored.file.open("rb") as saved:
            assert task.attachments.count() == 2 and saved.read() == PDF
        assert sniff(io.BytesIO(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 16)) == "image/heic"


def test_checklist_add_reorder_and_progress(world):
    with tenant_context(world.tenant):
        task = task_create(title="Visit", acting_user=world.ann, checklist=[("One", False), ("Two", True)])
        third = checklist_item_add(task=task, text="Three", is_required=True, acting_user=world.ann)
        items = list(task.checklist.order_by("position"))
        checklist_reorder(task=task, item_ids=[third.pk, items[0].pk, items[1].pk], acting_user=world.ann)
        assert list(task.checklist.order_by("position").values_list("text", flat=True)) == ["Three", "One", "Two"]
        with pytest.raises(ValidationError) as refused:
            checklist_reorder(task=task, item_ids=[third.pk], acting_user=world.ann)
        assert code_of(refused) == "invalid_order"
        task_status_set(task=task, status=TaskStatus.CANCELLED, acting_user=world.ann)
        with pytest.raises(ValidationError) as refused:
            checklist_item_set(item=third, done=True, acting_user=world.ann)
        assert code_of(refused) == "task_closed"


def test_a_template_change_bumps_its_version_and_leaves_tasks_alone(world):
    with tenant_context(world.tenant):
        template = template_create(acting_user=world.admin, code="visit", name="Visit", checklist=[("A", True)],
                                   required_evidence=["photo"])  # fmt: skip
        task = task_create_from_template(template=template, acting_user=world.admin, assignee=world.ann)
        changed = template_update(template=template, acting_user=world.admin, name="Visit v2",
                                  checklist=[("B", False), ("C", True)], required_evidence=[])  # fmt: skip
        task.refresh_from_db()
        assert (changed.code, changed.version, task.template_version, task.title) == ("VISIT", 2, 1, "Visit")
        assert list(task.checklist.values_list("text", flat=True)) == ["A"] and task.required_evidence == ["photo"]
        assert list(TaskTemplate.objects.get(pk=template.pk).checklist.values_list("text", flat=True)) == ["B", "C"]
        with pytest.raises(ValidationError) as refused:
            template_create(acting_user=world.admin, code="VISIT", name="Again")
        assert code_of(refused) == "code_taken"


def test_demo_makes_the_store_visits_once(world):
    from apps.tasks.demo import MANAGER, tasks_demo_seed
    from tests.factories import MembershipFactory

    with tenant_context(world.tenant):
        manager = MembershipFactory(tenant=world.tenant, user__email=MANAGER).user
        first, again = tasks_demo_seed(), tasks_demo_seed()
        template = TaskTemplate.objects.get(code="STORE-VISIT")
        assert first >= 3 and again == 0
        assert (template.checklist.count(), template.checklist.filter(is_required=True).count()) == (4, 2)
        visit = Task.objects.filter(template=template).first()
        assert visit.assignee == manager and visit.required_evidence == ["photo"]


FORM_TEMPLATES: set[int] = set()


def form_submission_refusal(task):
    """A completion check as the forms app would add one: tasks of some templates need a submission first."""
    if task.template_id in FORM_TEMPLATES:
        return refusal_of("Submit the visit form first.", code="form_submission_required", field="status")
    return None


def test_completion_asks_the_completion_check_hooks(world):
    contribute(Hook(COMPLETION_CHECK, f"{__name__}.form_submission_refusal"))
    try:
        with tenant_context(world.tenant):
            template = template_create(acting_user=world.admin, code="FORMED", name="Formed visit")
            FORM_TEMPLATES.add(template.pk)
            gated = task_create_from_template(template=template, acting_user=world.admin, assignee=world.ann)
            free = task_create(title="Free", acting_user=world.admin, assignee=world.ann)
            task_status_set(task=gated, status="in_progress", acting_user=world.ann)  # other moves: not asked
            with pytest.raises(ValidationError) as refusal:
                task_status_set(task=gated, status="done", acting_user=world.ann)
            assert code_of(refusal) == "form_submission_required"
            assert refusal.value.message_dict == {"status": ["Submit the visit form first."]}
            gated.refresh_from_db()
            assert gated.status == "in_progress" and gated.completed_at is None  # nothing written
            assert task_status_set(task=free, status="done", acting_user=world.ann).status == "done"
            FORM_TEMPLATES.clear()
            assert task_status_set(task=gated, status="done", acting_user=world.ann).status == "done"
    finally:
        FORM_TEMPLATES.clear()
        contributions_reset()
