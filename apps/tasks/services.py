"""Writes of the task engine. Every workforce app that makes work calls these (routines, maintenance
plans, incidents, inspections); refusals are `ValidationError`s whose `code` names the rule.

The contract other apps rely on (keyword arguments, return values and codes stay stable):

- `task_create(*, title, acting_user, ...) -> Task`
- `task_create_from_template(*, template, acting_user, ...) -> Task`: copies the template's checklist,
  estimate, evidence and assignee rule (a later change to the template never touches the task)
- `task_status_set(*, task, status, acting_user, note="") -> Task`: before a task becomes done it asks the
  hook `tasks.completion_check` (`fn(task) -> ValidationError | None`; see `_completion_hooks_refusal`)
"""

import datetime
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from apps.access.selectors import assignments_of_user
from apps.accounts.models import Membership, User
from apps.core import hooks
from apps.core.errors import refused
from apps.core.events import publish
from apps.core.paths import path_ids
from apps.core.uploads import ALL_TYPES, MB, PHOTO_TYPES, upload_check
from apps.tenancy.context import connection_tenant
from apps.workplaces import geofence
from apps.workplaces.models import Geofence, Workplace

from . import dependencies
from .models import (
    CLOSED_STATUSES,
    AssigneeKind,
    AttachmentKind,
    ChecklistItem,
    Evidence,
    Task,
    TaskAttachment,
    TaskComment,
    TaskPriority,
    TaskStatus,
    TaskTemplate,
    TaskWatcher,
    TemplateChecklistItem,
)
from .payloads import comment_payload, task_payload

PHOTO_MAX_BYTES = 10 * MB  # photos and signatures, and images attached as files
FILE_MAX_BYTES = 20 * MB  # other files (PDF, CSV, XLSX, DOCX, TXT)


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
    _watch(task, [task.created_by_id, task.assignee_id])
    publish("task.created", task_payload(task), tenant=connection_tenant())
    if task.assignee_id and task.assignee_id != task.created_by_id:
        publish("task.assigned", task_payload(task, assigned_by=_user_id(acting_user)), tenant=connection_tenant())
    return task


def _user_id(user: Any) -> Any:
    return getattr(user, "pk", None)


def _watch(task: Task, user_ids: Iterable[Any]) -> None:
    wanted = {pk for pk in user_ids if pk is not None}
    TaskWatcher.objects.bulk_create([TaskWatcher(task=task, user_id=pk) for pk in wanted], ignore_conflicts=True)


def _save(task: Task, acting_user: Any, reason: str | None = None) -> None:
    task._history_user = acting_user if _user_id(acting_user) else None  # type: ignore[attr-defined]
    task._change_reason = reason  # type: ignore[attr-defined]
    task.save()


def _locked(task: Task) -> Task:
    return Task.objects.select_for_update().get(pk=task.pk)


def _open_require(task: Task) -> None:
    if task.status in CLOSED_STATUSES:
        raise refused(f"The task is {task.get_status_display().lower()}; reopen it first.", code="task_closed")


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


TRANSITIONS: dict[str, set[str]] = {
    TaskStatus.TODO: {TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED, TaskStatus.DONE, TaskStatus.CANCELLED},
    TaskStatus.IN_PROGRESS: {TaskStatus.TODO, TaskStatus.BLOCKED, TaskStatus.DONE, TaskStatus.CANCELLED},
    TaskStatus.BLOCKED: {TaskStatus.TODO, TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.CANCELLED},
    # Reopening: a closed task goes back to work; done and cancelled never swap directly.
    TaskStatus.DONE: {TaskStatus.TODO, TaskStatus.IN_PROGRESS},
    TaskStatus.CANCELLED: {TaskStatus.TODO},
}


def evidence_missing(task: Task) -> list[str]:
    """The required evidence the task lacks (photo, signature, note, check_in), in the task's order."""
    kinds = set(task.attachments.filter(kind__in=[AttachmentKind.PHOTO, AttachmentKind.SIGNATURE])
                .values_list("kind", flat=True).distinct()) if {"photo", "signature"} & set(task.required_evidence) \
        else set()  # fmt: skip
    present: dict[str, bool] = {
        Evidence.PHOTO: AttachmentKind.PHOTO in kinds,
        Evidence.SIGNATURE: AttachmentKind.SIGNATURE in kinds,
        Evidence.NOTE: bool(task.completion_note.strip()),
        Evidence.CHECK_IN: task.check_in_at is not None,
    }
    return [kind for kind in task.required_evidence if not present.get(kind, False)]


def _completion_refusal(task: Task) -> ValidationError | None:
    open_required = task.checklist.filter(is_required=True, done_at__isnull=True).count()
    if open_required:
        return refused(f"{open_required} required checklist item(s) are still open.", code="required_items_open",
                       field="status")  # fmt: skip
    missing = evidence_missing(task)
    if missing:
        labels = ", ".join(str(Evidence(kind).label).lower() for kind in missing)
        return refused(f"Evidence missing: {labels}.", code="evidence_missing", field="status")
    return _completion_hooks_refusal(task)


COMPLETION_CHECK = "tasks.completion_check"


def _completion_hooks_refusal(task: Task) -> ValidationError | None:
    """Ask the apps above the engine whether the task may be completed (hook `tasks.completion_check`).

    Signature of each implementation: `fn(task: Task) -> ValidationError | None`, called inside
    `task_status_set`'s transaction with the task row locked, before it becomes done (never on other moves).
    Return None to allow, or a refusal (build it with `apps.core.errors.refused`, a stable `code` of your own,
    e.g. `form_submission_required`); the first refusal, in the hooks' `order`, is raised as is and nothing
    is written. An implementation must not write: it only reads. Declare one in your app's
    contributions.py: `contribute(Hook("tasks.completion_check", "apps.forms.checks.task_completion_refusal"))`.
    """
    for check in hooks.all(COMPLETION_CHECK):
        refusal = check(task)
        if refusal is not None:
            return refusal  # type: ignore[no-any-return]
    return None


@transaction.atomic
def task_status_set(*, task: Task, status: str, acting_user: Any, note: str = "") -> Task:
    """Move a task to another status (history kept). Completing needs every required checklist item done,
    the required evidence present and every `tasks.completion_check` hook to allow it (see
    `_completion_hooks_refusal`); `note` on completion is the completion note (note evidence)."""
    if status not in TaskStatus.values:
        raise refused(f"Status is one of {', '.join(TaskStatus.values)}.", code="invalid_status", field="status")
    task = _locked(task)
    if task.status == status:
        return task
    if status not in TRANSITIONS[task.status]:
        raise refused(f"A {task.get_status_display().lower()} task cannot become {TaskStatus(status).label.lower()}.",
                      code="invalid_transition", field="status")  # fmt: skip
    now = timezone.now()
    if status in (TaskStatus.IN_PROGRESS, TaskStatus.DONE):
        blocked = dependencies.start_refusal(task)
        if blocked is not None:
            raise blocked
    if status == TaskStatus.DONE:
        if note.strip():
            task.completion_note = note.strip()
        refusal = _completion_refusal(task)
        if refusal is not None:
            raise refusal
        task.completed_at, task.completed_by = now, acting_user if _user_id(acting_user) else None
    elif task.status == TaskStatus.DONE:  # reopened
        task.completed_at, task.completed_by = None, None
    if status == TaskStatus.IN_PROGRESS and task.started_at is None:
        task.started_at = now
    task.cancelled_at = now if status == TaskStatus.CANCELLED else None
    if status != TaskStatus.BLOCKED:
        task.blocked_reason = ""
    task.status = status
    _save(task, acting_user, note[:100] if note else None)
    dependencies.successors_refresh(task=task, acting_user=acting_user)
    if status == TaskStatus.DONE:
        watchers = [str(pk) for pk in task.watchers.values_list("user_id", flat=True)]
        publish("task.completed", task_payload(task, watcher_ids=watchers), tenant=connection_tenant())
    return task


# --- assignment, claiming, watchers --------------------------------------------------------------------


def may_claim(*, task: Task, user: Any) -> bool:
    """Whether `user` holds the task's role where the task is: an assignment of the role scoped to the
    workplace's entity or one of its ancestors, or to the workplace itself (any scope when the task has
    no workplace or the workplace no entity)."""
    if task.role_id is None or _user_id(user) is None:
        return False
    held = assignments_of_user(user).filter(role_id=task.role_id)
    workplace = task.workplace
    if workplace is None or workplace.entity_id is None:
        return held.exists()
    ancestors = path_ids(workplace.entity.path) if workplace.entity else []
    here = Q(scope_content_type=ContentType.objects.get_for_model(Workplace), scope_object_id=str(workplace.pk))
    return held.filter(Q(scope_entity_id__in=ancestors) | here).exists()


@transaction.atomic
def task_claim(*, task: Task, acting_user: Any) -> Task:
    """The first person holding the role at the workplace takes the task (row lock: a second claimer,
    even at the same instant, gets `already_claimed`)."""
    task = Task.objects.select_for_update(of=("self",)).select_related("workplace__entity").get(pk=task.pk)
    _open_require(task)
    if task.assignee_kind != AssigneeKind.ROLE:
        raise refused("Only a task offered to a role can be claimed.", code="not_claimable")
    if task.assignee_id is not None:
        raise refused("Someone already claimed this task.", code="already_claimed")
    if not may_claim(task=task, user=acting_user):
        raise refused("You do not hold the role this task is offered to at its workplace.", code="role_required")
    task.assignee, task.claimed_at = acting_user, timezone.now()
    _save(task, acting_user, "claimed")
    _watch(task, [acting_user.pk])
    publish("task.claimed", task_payload(task), tenant=connection_tenant())
    return task


@transaction.atomic
def task_assign(
    *, task: Task, acting_user: Any, assignee_kind: str | None = None, assignee: Any = None, team: Any = None,
    role: Any = None,
) -> Task:  # fmt: skip
    """Reassign to a person, a team, a role (claimable again) or nobody."""
    task = _locked(task)
    _open_require(task)
    kind, person, team, role = _assignee(assignee_kind=assignee_kind, assignee=assignee, team=team, role=role)
    task.assignee_kind, task.assignee, task.team, task.role, task.claimed_at = kind, person, team, role, None
    _save(task, acting_user, "reassigned")
    if person is not None:
        _watch(task, [person.pk])
        if person.pk != _user_id(acting_user):
            publish("task.assigned", task_payload(task, assigned_by=_user_id(acting_user)), tenant=connection_tenant())
    return task


def watcher_add(*, task: Task, user: Any, acting_user: Any) -> None:
    _watch(task, [user.pk])


def watcher_remove(*, task: Task, user: Any, acting_user: Any) -> None:
    TaskWatcher.objects.filter(task=task, user_id=user.pk).delete()


@transaction.atomic
def task_update(*, task: Task, acting_user: Any, **changes: Any) -> Task:
    """Edit what the task says: title, description, priority, due time, workplace."""
    task = _locked(task)
    _open_require(task)
    allowed = {"title", "description", "priority", "due_at", "workplace"}
    for name, value in changes.items():
        if name not in allowed:
            raise refused(f"{name} cannot be changed here.", code="invalid_field")
        setattr(task, name, value.strip() if isinstance(value, str) else value)
    if not task.title:
        raise refused("A task needs a title.", code="title_required", field="title")
    if task.priority not in TaskPriority.values:
        raise refused("Unknown priority.", code="invalid_priority", field="priority")
    _save(task, acting_user, "edited")
    return task


# --- checklist ---------------------------------------------------------------------------------------


@transaction.atomic
def checklist_item_set(*, item: ChecklistItem, done: bool, acting_user: Any) -> ChecklistItem:
    """Tick (done) or untick an item of an open task."""
    _open_require(_locked(item.task))
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    if done == (item.done_at is not None):
        return item
    item.done_at, item.done_by = (timezone.now(), acting_user if _user_id(acting_user) else None) if done \
        else (None, None)  # fmt: skip
    item._history_user = acting_user if _user_id(acting_user) else None  # type: ignore[attr-defined]
    item.save()
    return item


@transaction.atomic
def checklist_item_add(*, task: Task, text: str, is_required: bool = False, acting_user: Any) -> ChecklistItem:
    task = _locked(task)
    _open_require(task)
    text = (text or "").strip()
    if not text:
        raise refused("A checklist item needs its text.", code="text_required", field="text")
    last = task.checklist.aggregate(last=Max("position"))["last"] or 0
    item = ChecklistItem(task=task, position=last + 1, text=text[:300], is_required=is_required)
    item._history_user = acting_user if _user_id(acting_user) else None  # type: ignore[attr-defined]
    item.save()
    return item


@transaction.atomic
def checklist_reorder(*, task: Task, item_ids: Sequence[int], acting_user: Any) -> list[ChecklistItem]:
    """Put the task's items in the order given (every item, each once)."""
    task = _locked(task)
    _open_require(task)
    items = {item.pk: item for item in task.checklist.all()}
    if sorted(item_ids) != sorted(items):
        raise refused("Give every item of the checklist once, in the new order.", code="invalid_order", field="items")
    # Positions are unique per task: move them out of the way first, then to their place.
    ChecklistItem.objects.filter(task=task).update(position=F("position") + 10000)
    ordered = [items[pk] for pk in item_ids]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    ChecklistItem.objects.bulk_update(ordered, ["position"])
    return ordered


# --- evidence: check-in, comments, attachments --------------------------------------------------------


@transaction.atomic
def task_check_in(*, task: Task, lat: float, lng: float, accuracy_m: float = 0.0, acting_user: Any) -> Task:
    """Record a check-in at the task's workplace, inside its geofence (or uncertain at its edge)."""
    task = _locked(task)
    _open_require(task)
    fence = Geofence.objects.filter(site_id=task.workplace_id).first() if task.workplace_id else None
    if fence is None:
        raise refused("The task's workplace has no geofence to check in at.", code="geofence_missing")
    try:
        found = geofence.verdict(fence.fence(), float(lat), float(lng), float(accuracy_m or 0))
    except ValueError as exc:
        raise refused(str(exc), code="invalid_position") from exc
    if found.status == "outside":
        raise refused(f"You are {found.distance_m:.0f} m outside the workplace's geofence.", code="outside_geofence")
    task.check_in_at, task.check_in_by = timezone.now(), acting_user if _user_id(acting_user) else None
    task.check_in_lat, task.check_in_lng, task.check_in_accuracy_m = lat, lng, accuracy_m
    task.check_in_verdict = found.status
    _save(task, acting_user, "checked in")
    return task


MENTION = re.compile(r'@"([^"]{1,200})"|@([\w.+-]+@[\w-]+(?:\.[\w-]+)+)')


def mentioned_users(body: str) -> list[User]:
    """The tenant's active members named in `body` as @email or @"Full Name" (one query)."""
    emails, names = set(), set()
    for name, email in MENTION.findall(body):
        if email:
            emails.add(email.lower())
        if name:
            names.add(name.strip().lower())
    if not emails and not names:
        return []
    members = Membership.objects.filter(tenant=connection_tenant(), status=Membership.Status.ACTIVE)  # type: ignore[attr-defined]
    found = User.objects.filter(pk__in=members.values("user_id")).filter(
        Q(email__in=emails) | Q(full_name__iregex=r"^(" + "|".join(re.escape(n) for n in names) + r")$")
        if names else Q(email__in=emails)
    )  # fmt: skip
    return list(found)


@transaction.atomic
def comment_add(*, task: Task, body: str, acting_user: Any) -> TaskComment:
    """A comment; the members it @mentions are recorded, watch the task and are told."""
    body = (body or "").strip()
    if not body:
        raise refused("Write something.", code="body_required", field="body")
    if len(body) > 10_000:
        raise refused("A comment is at most 10,000 characters.", code="body_too_long", field="body")
    comment = TaskComment.objects.create(task=task, author=acting_user if _user_id(acting_user) else None, body=body)
    mentioned = mentioned_users(body)
    comment.mentioned.set(mentioned)
    _watch(task, [_user_id(acting_user), *(u.pk for u in mentioned)])
    publish("task.commented", comment_payload(comment, task, [str(u.pk) for u in mentioned]),
            tenant=connection_tenant())  # fmt: skip
    return comment


@transaction.atomic
def attachment_add(
    *, task: Task, upload: Any, kind: str = AttachmentKind.FILE, acting_user: Any, checklist_item: Any = None
) -> TaskAttachment:
    """Store a photo, a signature or a file (Django's storage API), after checking its real type and size."""
    if kind not in AttachmentKind.values:
        raise refused(f"Kind is one of {', '.join(AttachmentKind.values)}.", code="invalid_kind", field="kind")
    is_evidence = kind != AttachmentKind.FILE
    content_type = upload_check(upload, accept=PHOTO_TYPES if is_evidence else ALL_TYPES,
                                max_bytes=PHOTO_MAX_BYTES if is_evidence else FILE_MAX_BYTES, field="file")  # fmt: skip
    if content_type in PHOTO_TYPES and upload.size > PHOTO_MAX_BYTES:
        name = getattr(upload, "name", "") or "The image"
        raise refused(f"{name} is over the {PHOTO_MAX_BYTES // MB} MB limit for images.",
                      code="attachment_too_large", field="file")  # fmt: skip
    if checklist_item is not None and checklist_item.task_id != task.pk:
        raise refused("That checklist item belongs to another task.", code="invalid_item", field="checklist_item")
    _open_require(_locked(task))
    name = str(getattr(upload, "name", "") or "upload").rsplit("/", 1)[-1][:200]
    attachment = TaskAttachment(task=task, kind=kind, name=name, content_type=content_type, size=upload.size,
                                uploaded_by=acting_user if _user_id(acting_user) else None,
                                checklist_item=checklist_item)  # fmt: skip
    attachment.file.save(name, upload, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


# --- templates ---------------------------------------------------------------------------------------


def _template_fields(template: TaskTemplate, fields: dict[str, Any]) -> None:
    for name in ("code", "name", "description", "priority", "estimated_minutes", "required_evidence", "is_active"):
        if name in fields:
            setattr(template, name, fields[name])
    if any(name in fields for name in ("assignee_kind", "assignee", "team", "role")):
        kind, person, team, role = _assignee(assignee_kind=fields.get("assignee_kind"),
                                             assignee=fields.get("assignee"), team=fields.get("team"),
                                             role=fields.get("role"))  # fmt: skip
        template.assignee_kind, template.assignee, template.team, template.role = kind, person, team, role
    unknown = [e for e in template.required_evidence if e not in Evidence.values]
    if unknown:
        raise refused(f"Unknown evidence: {', '.join(unknown)}.", code="invalid_evidence", field="required_evidence")


def _checklist_replace(template: TaskTemplate, checklist: Iterable[tuple[str, bool]]) -> None:
    template.checklist.all().delete()
    TemplateChecklistItem.objects.bulk_create(
        [TemplateChecklistItem(template=template, position=position, text=text.strip()[:300], is_required=required)
         for position, (text, required) in enumerate(checklist, start=1) if text.strip()]
    )  # fmt: skip


@transaction.atomic
def template_create(*, acting_user: Any, checklist: Iterable[tuple[str, bool]] = (), **fields: Any) -> TaskTemplate:
    template = TaskTemplate()
    _template_fields(template, {"code": str(fields.pop("code", "")).strip().upper(), **fields})
    if TaskTemplate.objects.filter(code=template.code).exists():
        raise refused(f"A template {template.code} exists already.", code="code_taken", field="code")
    template.full_clean(exclude=["assignee", "team", "role"])
    template._history_user = acting_user if _user_id(acting_user) else None  # type: ignore[attr-defined]
    template.save()
    _checklist_replace(template, checklist)
    return template


@transaction.atomic
def template_update(
    *, template: TaskTemplate, acting_user: Any, checklist: Iterable[tuple[str, bool]] | None = None, **fields: Any
) -> TaskTemplate:
    """Change a template: its `version` goes up; tasks made from it keep what they copied."""
    template = TaskTemplate.objects.select_for_update().get(pk=template.pk)
    fields.pop("code", None)  # the code is how integrations name it: it stays
    _template_fields(template, fields)
    template.version += 1
    template.full_clean(exclude=["assignee", "team", "role"])
    template._history_user = acting_user if _user_id(acting_user) else None  # type: ignore[attr-defined]
    template.save()
    if checklist is not None:
        _checklist_replace(template, checklist)
    return template
