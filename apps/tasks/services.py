"""Writes of the task engine. Every workforce app that makes work calls these (routines, maintenance
plans, incidents, inspections); refusals are `ValidationError`s whose `code` names the rule.

The contract other apps rely on (keyword arguments, return values and codes stay stable):

- `task_create(*, title, acting_user, ...) -> Task`
- `task_create_from_template(*, template, acting_user, ...) -> Task`: copies the template's checklist,
  estimate, evidence and assignee rule (a later change to the template never touches the task)
- `task_status_set(*, task, status, acting_user, note="") -> Task`
"""

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import dependencies
from .models import (
    AssigneeKind,
    ChecklistItem,
    Evidence,
    Task,
    TaskPriority,
    TaskStatus,
    TaskTemplate,
)


def refused(message: str, *, code: str, field: str | None = None) -> ValidationError:
    error = ValidationError(message, code=code)
    return ValidationError({field: error}) if field else error


def _assignee(
    *, assignee_kind: str | None, assignee: Any, team: Any, role: Any
) -> tuple[str, Any, Any, Any]:  # fmt: skip
    """(kind, person, team, role) from what was given: the kind is inferred when not said."""
    if assignee_kind is None:
        assignee_kind = (
            AssigneeKind.PERSON if assignee is not None
            else AssigneeKind.TEAM if team is not None
            else AssigneeKind.ROLE if role is not None
            else AssigneeKind.NOBODY
        )  # fmt: skip
    if assignee_kind not in AssigneeKind.values:
        raise refused(f"Assign to one of: {', '.join(AssigneeKind.values)}.", code="invalid_assignee", field="assignee")
    needed: dict[str, Any] = {AssigneeKind.PERSON: assignee, AssigneeKind.TEAM: team, AssigneeKind.ROLE: role}
    if assignee_kind in needed and needed[assignee_kind] is None:
        raise refused(f"A task assigned to a {assignee_kind} must name it.", code="invalid_assignee", field="assignee")
    if assignee_kind == AssigneeKind.PERSON:
        return assignee_kind, assignee, None, None
    if assignee_kind == AssigneeKind.TEAM:
        return assignee_kind, None, team, None
    if assignee_kind == AssigneeKind.ROLE:
        return assignee_kind, None, None, role
    return AssigneeKind.NOBODY, None, None, None


@transaction.atomic
def task_create(
    *,
    title: str,
    acting_user: Any,
    workplace: Any = None,
    description: str = "",
    priority: str = TaskPriority.NORMAL,
    due_at: datetime.datetime | None = None,
    assignee_kind: str | None = None,
    assignee: Any = None,
    team: Any = None,
    role: Any = None,
    checklist: Iterable[tuple[str, bool]] = (),
    required_evidence: Sequence[str] = (),
    estimated_minutes: int | None = None,
    origin_kind: str = "",
    origin_id: str = "",
    template: TaskTemplate | None = None,
) -> Task:
    """Create one task with its checklist (`(text, is_required)` pairs, in order)."""
    title = (title or "").strip()
    if not title:
        raise refused("A task needs a title.", code="title_required", field="title")
    if priority not in TaskPriority.values:
        raise refused(
            f"Priority is one of {', '.join(TaskPriority.values)}.", code="invalid_priority", field="priority"
        )
    unknown = [e for e in required_evidence if e not in Evidence.values]
    if unknown:
        raise refused(f"Unknown evidence: {', '.join(unknown)}.", code="invalid_evidence", field="required_evidence")
    kind, person, team, role = _assignee(assignee_kind=assignee_kind, assignee=assignee, team=team, role=role)
    task = Task(
        title=title[:200], description=description, priority=priority, workplace=workplace, due_at=due_at,
        assignee_kind=kind, assignee=person, team=team, role=role, required_evidence=list(required_evidence),
        estimated_minutes=estimated_minutes, origin_kind=origin_kind, origin_id=str(origin_id or ""),
        template=template, template_version=template.version if template is not None else None,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )  # fmt: skip
    task._history_user = acting_user if getattr(acting_user, "pk", None) else None  # type: ignore[attr-defined]
    task.full_clean(exclude=["assignee", "team", "role", "workplace", "template", "created_by", "completed_by"])
    task.save()
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(task=task, position=position, text=text[:300], is_required=bool(required))
            for position, (text, required) in enumerate(checklist, start=1)
        ]
    )
    return task


def task_create_from_template(
    *,
    template: TaskTemplate,
    acting_user: Any,
    workplace: Any = None,
    due_at: datetime.datetime | None = None,
    title: str | None = None,
    description: str | None = None,
    assignee_kind: str | None = None,
    assignee: Any = None,
    team: Any = None,
    role: Any = None,
    origin_kind: str = "",
    origin_id: str = "",
) -> Task:
    """A task copied from the template (checklist, estimate, evidence, priority and assignee rule);
    an assignee given here replaces the template's rule."""
    if not template.is_active:
        raise refused(f"The template {template.code} is retired.", code="template_inactive", field="template")
    if assignee_kind is None and assignee is None and team is None and role is None:
        assignee_kind, assignee, team, role = (
            template.assignee_kind, template.assignee, template.team, template.role
        )  # fmt: skip
    checklist = [(item.text, item.is_required) for item in template.checklist.order_by("position")]
    return task_create(
        title=title or template.name, description=template.description if description is None else description,
        acting_user=acting_user, workplace=workplace, priority=template.priority, due_at=due_at,
        assignee_kind=assignee_kind, assignee=assignee, team=team, role=role, checklist=checklist,
        required_evidence=template.required_evidence, estimated_minutes=template.estimated_minutes,
        origin_kind=origin_kind, origin_id=origin_id, template=template,
    )  # fmt: skip


@transaction.atomic
def task_status_set(*, task: Task, status: str, acting_user: Any, note: str = "") -> Task:
    """Move a task to another status (history kept). Completing needs every required checklist item done."""
    if status not in TaskStatus.values:
        raise refused(f"Status is one of {', '.join(TaskStatus.values)}.", code="invalid_status", field="status")
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status == status:
        return task
    now = timezone.now()
    if status in (TaskStatus.IN_PROGRESS, TaskStatus.DONE):
        blocked = dependencies.start_refusal(task)
        if blocked is not None:
            raise blocked
    if status == TaskStatus.DONE:
        open_required = task.checklist.filter(is_required=True, done_at__isnull=True).count()
        if open_required:
            raise refused(
                f"{open_required} required checklist item(s) are still open.",
                code="required_items_open",
                field="status",
            )
        task.completed_at = now
        task.completed_by = acting_user if getattr(acting_user, "pk", None) else None
    if status == TaskStatus.IN_PROGRESS and task.started_at is None:
        task.started_at = now
    if status == TaskStatus.CANCELLED:
        task.cancelled_at = now
    task.status = status
    task._history_user = acting_user if getattr(acting_user, "pk", None) else None  # type: ignore[attr-defined]
    task._change_reason = note[:100] if note else None  # type: ignore[attr-defined]
    task.save()
    dependencies.successors_refresh(task=task, acting_user=acting_user)
    return task
