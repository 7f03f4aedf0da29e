"""The engine's contract that routines, maintenance, incidents and inspections build on."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from apps.tasks.models import AssigneeKind, TaskStatus, TaskTemplate, TemplateChecklistItem
from apps.tasks.services import attachment_add, task_create, task_create_from_template, task_status_set


def test_a_task_from_a_template_copies_it_and_a_template_change_leaves_it(acme, acme_admin):
    with tenant_context(acme):
        template = TaskTemplate.objects.create(code="VISIT", name="Store visit", estimated_minutes=45,
                                               required_evidence=["photo"])  # fmt: skip
        TemplateChecklistItem.objects.create(template=template, position=1, text="Check shelves", is_required=True)
        TemplateChecklistItem.objects.create(template=template, position=2, text="Talk to the manager")
        task = task_create_from_template(template=template, acting_user=acme_admin, assignee=acme_admin,
                                         origin_kind="tests.origin", origin_id="7")  # fmt: skip
        template.checklist.filter(position=1).update(text="Changed")
        assert task.assignee_kind == AssigneeKind.PERSON and task.template_version == 1
        assert [(i.text, i.is_required) for i in task.checklist.all()] == [
            ("Check shelves", True), ("Talk to the manager", False)]  # fmt: skip
        assert (task.required_evidence, task.estimated_minutes, task.origin_id) == (["photo"], 45, "7")
        with pytest.raises(ValidationError) as refused:
            task_status_set(task=task, status=TaskStatus.DONE, acting_user=acme_admin)
        assert refused.value.error_dict["status"][0].code == "required_items_open"
        task.checklist.update(done_at=task.created_at)
        with pytest.raises(ValidationError) as refused:  # the template asks for a photo
            task_status_set(task=task, status=TaskStatus.DONE, acting_user=acme_admin)
        assert refused.value.error_dict["status"][0].code == "evidence_missing"
        attachment_add(task=task, upload=SimpleUploadedFile("shelf.png", b"\x89PNG\r\n\x1a\n" + b"0" * 16),
                       kind="photo", acting_user=acme_admin)  # fmt: skip
        done = task_status_set(task=task, status=TaskStatus.DONE, acting_user=acme_admin)
        assert done.status == TaskStatus.DONE and done.completed_at is not None
        assert [h.status for h in done.history.order_by("history_date")] == ["todo", "done"]


def test_bad_input_is_refused_with_a_code(acme, acme_admin):
    with tenant_context(acme):
        cases = (
            ({"title": " "}, "title_required"),
            ({"title": "x", "priority": "asap"}, "invalid_priority"),
            ({"title": "x", "assignee_kind": "person"}, "invalid_assignee"),
        )
        for kwargs, code in cases:
            with pytest.raises(ValidationError) as refused:
                task_create(acting_user=acme_admin, **kwargs)
            assert next(iter(refused.value.error_dict.values()))[0].code == code
