"""Globex's task, template, checklist item and attachment for the isolation matrix
(tests/isolation_world.py): acme's people and keys must neither see nor act on them by id."""

from importlib import import_module
from typing import Any

SEGMENTS = {
    ("tasks", "task"): "tasks_task",
    ("board", "task"): "tasks_task",
    ("templates", "template"): "tasks_template",
    ("checklist", "item"): "tasks_item",
    ("attachments", "attachment"): "tasks_attachment",
    ("dependencies", "task"): "tasks_task",
    ("dependencies", "link"): "tasks_dependency",
    ("remove", "link"): "tasks_dependency",
}


def build(world: Any) -> None:
    from django.core.files.base import ContentFile

    from apps.tasks.models import ChecklistItem, Task, TaskAttachment, TaskDependency, TaskTemplate

    canary = import_module("tests.isolation_world").CANARY
    schema, subject, keep = world.globex.schema_name, world.users["globex_subject"], world.keep
    template = keep(schema, TaskTemplate.objects.create(code="GX-VISIT", name=f"Visit {canary}"))
    task = keep(schema, Task.objects.create(title=f"Task {canary}", assignee_kind="person", assignee=subject,
                                            template=template, template_version=1))  # fmt: skip
    item = keep(schema, ChecklistItem.objects.create(task=task, position=1, text=f"Item {canary}"))
    attachment = TaskAttachment(task=task, kind="file", name="canary.txt", content_type="text/plain", size=6)
    attachment.file.save("canary.txt", ContentFile(canary.encode()), save=True)
    keep(schema, attachment)
    world.values["tasks_task"] = (task.pk, True)
    world.values["tasks_template"] = (template.pk, True)
    world.values["tasks_item"] = (item.pk, True)
    world.values["tasks_attachment"] = (attachment.pk, True)
    before = keep(schema, Task.objects.create(title=f"Before {canary}"))
    link = keep(schema, TaskDependency.objects.create(predecessor=before, successor=task))
    world.values["tasks_dependency"] = (link.pk, True)
