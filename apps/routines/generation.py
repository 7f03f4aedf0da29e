"""Writing routines' occurrences ahead, exactly once, set-based.

`routines_generate(now=...)` takes the active routines in batches. Per batch, in one transaction:

1. a transaction-level advisory lock per routine (taken in id order, so two runs never deadlock): a
   concurrent run waits, then sees what the first wrote and writes nothing;
2. the routines are read again under the lock, and each one's occurrences in
   [max(now, generated_until), now + horizon) are expanded by `apps.core.recurrence` (local wall time,
   daylight saving included);
3. occurrence keys already recorded (generated, or skipped by a "this occurrence" edit) are left out;
4. the new occurrences, their tasks (with history rows), checklist items, occurrence-task links and
   task dependencies are written with one bulk insert each, and `generated_until` with one UPDATE.

The tasks are the rows `apps.tasks.services.task_create_from_template` / `task_create` would write (title,
description, priority, estimate and evidence from the template or the member, the assignee rule,
the template's checklist copied, `origin_kind = "routines.occurrence"`, `origin_id` = the occurrence's
id), written in bulk for speed (bench/recurrence.py: 10,000 routines in one run). A successor whose
predecessors are not done starts `blocked`, with `blocked_reason` naming them. The unique constraints
on (routine, key) and (occurrence, member) keep "exactly once" even if the lock were bypassed: a
duplicate fails the batch, it is never written twice.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, DateTimeField, Value, When

from apps.audit.history import history_bulk_record
from apps.core.events import publish_many
from apps.core.recurrence import occurrence_key, occurrences_between, rule_parse, zone
from apps.tasks.models import (
    AssigneeKind,
    ChecklistItem,
    Task,
    TaskDependency,
    TaskStatus,
    TemplateChecklistItem,
)
from apps.tenancy.context import connection_tenant

from .models import Occurrence, OccurrenceTask, Routine, RoutineLink, RoutineStatus, RoutineTask

logger = logging.getLogger(__name__)
ORIGIN_KIND = "routines.occurrence"
BATCH = 500
# One lock space per schema: advisory locks are database-wide and routine ids repeat across tenants.
LOCK_SQL = (
    "SELECT pg_advisory_xact_lock(hashtext('routines:' || current_schema()), (s.r %% 2147483647)::int) "
    "FROM (SELECT r FROM unnest(%s::bigint[]) AS r ORDER BY r) AS s"
)


def routine_rule(routine: Routine) -> Any:
    """The routine's rule anchored at its local start (refused with a code: `apps.core.recurrence`)."""
    return rule_parse(routine.rrule, dtstart=datetime.datetime.combine(routine.start_date, routine.start_time))


def routine_instants(routine: Routine, *, start: datetime.datetime, end: datetime.datetime, limit: int = 1000) -> list:
    """The routine's occurrences (aware UTC) in [start, end)."""
    tz = zone(routine.workplace.time_zone)
    return occurrences_between(routine_rule(routine), tz=tz, start=start, end=end, limit=limit)


def routines_lock(ids: Sequence[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(LOCK_SQL, [sorted(ids)])


@dataclass
class Batch:
    """What one batch writes, gathered before the inserts."""

    occurrences: list[Occurrence] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    task_members: list[tuple[Occurrence, RoutineTask]] = field(default_factory=list)
    per_routine: dict[int, int] = field(default_factory=lambda: defaultdict(int))


def _member_assignee(member: RoutineTask) -> tuple[str, Any, Any, Any]:
    if member.assignee_kind:
        return member.assignee_kind, member.assignee_id, member.team_id, member.role_id
    template = member.template
    if template is None:
        return AssigneeKind.NOBODY, None, None, None
    return template.assignee_kind, template.assignee_id, template.team_id, template.role_id


def task_for(member: RoutineTask, *, at: datetime.datetime, workplace_id: Any, blocked_by: list[str]) -> Task:
    """The task `task_create_from_template` (or `task_create`) would write for this member and occurrence."""
    template = member.template
    kind, person, team, role = _member_assignee(member)
    fields = {"assignee_id": None, "team_id": None, "role_id": None}
    by_kind: dict[str, dict[str, Any]] = {"person": {"assignee_id": person}, "team": {"team_id": team},
                                          "role": {"role_id": role}}  # fmt: skip
    fields.update(by_kind.get(kind, {}))
    return Task(
        title=(member.title or (template.name if template else ""))[:200],
        description=template.description if template else "",
        priority=template.priority if template else "normal",
        status=TaskStatus.BLOCKED if blocked_by else TaskStatus.TODO,
        blocked_reason=f"Waiting for: {', '.join(blocked_by)}"[:300] if blocked_by else "",
        workplace_id=workplace_id,
        due_at=at + datetime.timedelta(minutes=member.offset_minutes + member.due_minutes),
        assignee_kind=kind if kind in AssigneeKind.values else AssigneeKind.NOBODY,
        template=template,
        template_version=template.version if template else None,
        estimated_minutes=template.estimated_minutes if template else None,
        required_evidence=list(template.required_evidence) if template else [],
        origin_kind=ORIGIN_KIND,
        **fields,
    )


def _checklists(members: Iterable[RoutineTask]) -> dict[int, list[tuple[str, bool]]]:
    """Each member's checklist: its template's (read now, copied into the task) or its own."""
    template_ids = {m.template_id for m in members if m.template_id}
    by_template: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for item in TemplateChecklistItem.objects.filter(template_id__in=template_ids).order_by("template_id", "position"):
        by_template[item.template_id].append((item.text, item.is_required))
    return {
        m.pk: by_template[m.template_id] if m.template_id else [(str(t), bool(r)) for t, r in (m.checklist or [])]
        for m in members
    }


def _load(ids: Sequence[int]) -> tuple[list[Routine], dict[int, list[RoutineTask]], dict[int, list[RoutineLink]]]:
    routines = list(Routine.objects.filter(pk__in=ids, status=RoutineStatus.ACTIVE).select_related("workplace"))
    members: dict[int, list[RoutineTask]] = defaultdict(list)
    for member in RoutineTask.objects.filter(routine_id__in=ids).select_related("template").order_by("position"):
        members[member.routine_id].append(member)
    links: dict[int, list[RoutineLink]] = defaultdict(list)
    for link in RoutineLink.objects.filter(routine_id__in=ids):
        links[link.routine_id].append(link)
    return routines, members, links


def _wanted(routines: list[Routine], now: datetime.datetime, only: dict[int, list] | None) -> dict[int, list]:
    """(key, instant) pairs per routine: its window's occurrences, or the ones asked for."""
    wanted: dict[int, list] = {}
    for routine in routines:
        tz = zone(routine.workplace.time_zone)
        if only is not None:
            instants = only.get(routine.pk, [])
        else:
            start = max(now, routine.generated_until or now)
            end = now + datetime.timedelta(days=routine.horizon_days)
            try:
                instants = routine_instants(routine, start=start, end=end) if start < end else []
            except ValidationError:
                logger.warning("Routine %s has a rule that no longer parses; skipped", routine.pk)
                continue
        wanted[routine.pk] = [(occurrence_key(at, tz), at) for at in instants]
    return wanted


def _plan(routines: list[Routine], wanted: dict[int, list], members: dict, links: dict) -> Batch:
    keys = {key for pairs in wanted.values() for key, _ in pairs}
    existing = set(
        Occurrence.objects.filter(routine_id__in=list(wanted), key__in=keys).values_list("routine_id", "key")
    )
    batch = Batch()
    for routine in routines:
        mine = members.get(routine.pk, [])
        titles = {m.pk: str(m) for m in mine}
        preds: dict[int, list[str]] = defaultdict(list)
        for link in links.get(routine.pk, []):
            preds[link.successor_id].append(titles.get(link.predecessor_id, "?"))
        for key, at in wanted.get(routine.pk, []):
            if (routine.pk, key) in existing:
                continue
            occurrence = Occurrence(routine=routine, key=key, at=at)
            batch.occurrences.append(occurrence)
            batch.per_routine[routine.pk] += 1
            for member in mine:
                task = task_for(member, at=at, workplace_id=routine.workplace_id, blocked_by=preds.get(member.pk, []))
                batch.tasks.append(task)
                batch.task_members.append((occurrence, member))
    return batch


def _write(batch: Batch, links: dict, checklists: dict) -> None:
    Occurrence.objects.bulk_create(batch.occurrences)
    for task, (occurrence, _member) in zip(batch.tasks, batch.task_members, strict=True):
        task.origin_id = str(occurrence.pk)
    # The tasks' history rows in one INSERT … SELECT (bulk_create_with_history builds them one by one).
    tasks = Task.objects.bulk_create(batch.tasks, batch_size=2000)
    history_bulk_record(Task, [task.pk for task in tasks])
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(task_id=task.pk, position=position, text=text[:300], is_required=required)
            for task, (_, member) in zip(tasks, batch.task_members, strict=True)
            for position, (text, required) in enumerate(checklists.get(member.pk, []), start=1)
        ],
        batch_size=5000,
    )
    rows = [
        OccurrenceTask(occurrence=o, member=m, task_id=t.pk)
        for t, (o, m) in zip(tasks, batch.task_members, strict=True)
    ]
    OccurrenceTask.objects.bulk_create(rows, batch_size=5000)
    made = {(row.occurrence.pk, row.member.pk): row.task_id for row in rows}
    TaskDependency.objects.bulk_create(
        [
            TaskDependency(
                predecessor_id=made[(o.pk, link.predecessor_id)], successor_id=made[(o.pk, link.successor_id)]
            )
            for o in batch.occurrences
            for link in links.get(o.routine_id, [])
            if (o.pk, link.predecessor_id) in made and (o.pk, link.successor_id) in made
        ],
        batch_size=5000,
    )


def _mark_generated(routines: list[Routine], now: datetime.datetime) -> None:
    if not routines:
        return
    until = {r.pk: now + datetime.timedelta(days=r.horizon_days) for r in routines}
    whens = [When(pk=pk, then=Value(at)) for pk, at in until.items()]
    Routine.objects.filter(pk__in=list(until)).update(generated_until=Case(*whens, output_field=DateTimeField()))


def generate_batch(ids: Sequence[int], *, now: datetime.datetime, only: dict[int, list] | None = None) -> Batch:
    """One batch under the routines' locks (the caller's transaction, or one of its own)."""
    with transaction.atomic():
        routines_lock(ids)
        routines, members, links = _load(ids)
        wanted = _wanted(routines, now, only)
        batch = _plan(routines, wanted, members, links)
        if batch.occurrences:
            _write(batch, links, _checklists([m for group in members.values() for m in group]))
        if only is None:
            _mark_generated([r for r in routines if r.pk in wanted], now)
        if batch.per_routine:
            tenant = connection_tenant()
            publish_many(
                "routine.occurrences_generated",
                [
                    (tenant, {"routine": pk, "occurrences": count, "tasks": count * len(members.get(pk, []))})
                    for pk, count in batch.per_routine.items()
                ],
            )
    return batch


def routines_generate(
    *, now: datetime.datetime, routine_ids: Sequence[int] | None = None, batch_size: int = BATCH
) -> tuple[int, int]:
    """Write every active routine's occurrences ahead; (occurrences, tasks) written. Idempotent."""
    queryset = Routine.objects.filter(status=RoutineStatus.ACTIVE)
    if routine_ids is not None:
        queryset = queryset.filter(pk__in=list(routine_ids))
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    occurrences = tasks = 0
    for offset in range(0, len(ids), batch_size):
        batch = generate_batch(ids[offset : offset + batch_size], now=now)
        occurrences += len(batch.occurrences)
        tasks += len(batch.tasks)
    return occurrences, tasks
