"""Writes of routines: create, rename, pause/resume, "this occurrence" and "this and following".

Refusals are `ValidationError`s whose `code` names the rule (`invalid_rrule`, `unbounded_rrule`,
`empty_rrule` from `apps.core.recurrence`; `members_required`, `invalid_member`, `invalid_assignee`,
`invalid_link`, `link_cycle`, `workplace_inactive`, `not_an_occurrence`, `occurrence_skipped`,
`nothing_to_change`, `routine_ended`). Each runs in one transaction: nothing is half-written. Every
change that touches occurrences takes the routine's advisory lock, the one the generator takes.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.audit import writes
from apps.core.errors import refused
from apps.core.events import publish
from apps.core.recurrence import zone
from apps.tasks.models import CLOSED_STATUSES, AssigneeKind, Task, TaskStatus, TaskTemplate
from apps.tasks.services import task_status_set
from apps.tenancy.context import connection_tenant

from .generation import generate_batch, routine_rule, routines_lock
from .models import (
    MAX_HORIZON_DAYS,
    MAX_OFFSET_MINUTES,
    Occurrence,
    OccurrenceStatus,
    OccurrenceTask,
    Routine,
    RoutineLink,
    RoutineStatus,
    RoutineTask,
)
from .payloads import routine_payload

MAX_MEMBERS = 20


@dataclass
class MemberSpec:
    """One member as given (positions are 1-based, in the order given)."""

    template: TaskTemplate | None = None
    title: str = ""
    checklist: Sequence[Sequence[Any]] = ()
    offset_minutes: int = 0
    due_minutes: int = 60
    assignee_kind: str = ""
    assignee: Any = None
    team: Any = None
    role: Any = None


def _member_check(position: int, spec: MemberSpec) -> None:
    where = f"Member {position}"
    if spec.template is None and not (spec.title or "").strip():
        raise refused(f"{where} needs a template or a title.", code="invalid_member", field="members")
    if spec.template is not None and not spec.template.is_active:
        raise refused(f"{where}: the template {spec.template.code} is retired.", code="invalid_member", field="members")
    if not -MAX_OFFSET_MINUTES <= spec.offset_minutes <= MAX_OFFSET_MINUTES or not (
        0 <= spec.due_minutes <= MAX_OFFSET_MINUTES
    ):
        raise refused(f"{where}: offsets and due durations are within a week.", code="invalid_member", field="members")
    if any(len(item) != 2 or not str(item[0]).strip() for item in spec.checklist):
        raise refused(f"{where}: checklist items are [text, required] pairs.", code="invalid_member", field="members")
    needed: dict[str, Any] = {
        AssigneeKind.PERSON: spec.assignee,
        AssigneeKind.TEAM: spec.team,
        AssigneeKind.ROLE: spec.role,
    }
    if spec.assignee_kind and spec.assignee_kind not in AssigneeKind.values:
        raise refused(
            f"{where}: assign to one of {', '.join(AssigneeKind.values)}.", code="invalid_assignee", field="members"
        )
    if spec.assignee_kind in needed and needed[spec.assignee_kind] is None:
        raise refused(
            f"{where}: a {spec.assignee_kind} assignee must be named.", code="invalid_assignee", field="members"
        )


def links_check(count: int, links: Sequence[tuple[int, int]]) -> None:
    """Links are (predecessor, successor) positions; no self-link, no duplicate, no cycle of any length."""
    seen: set[tuple[int, int]] = set()
    after: dict[int, list[int]] = {}
    for pred, succ in links:
        if not (1 <= pred <= count and 1 <= succ <= count) or pred == succ or (pred, succ) in seen:
            raise refused(
                f"The link {pred} → {succ} names no two distinct members or repeats.",
                code="invalid_link",
                field="links",
            )
        seen.add((pred, succ))
        after.setdefault(pred, []).append(succ)
    state: dict[int, int] = {}

    def visit(node: int) -> None:
        state[node] = 1
        for nxt in after.get(node, []):
            if state.get(nxt) == 1:
                raise refused(f"The links make a cycle through member {nxt}.", code="link_cycle", field="links")
            if nxt not in state:
                visit(nxt)
        state[node] = 2

    for node in range(1, count + 1):
        if node not in state:
            visit(node)


def _members_write(routine: Routine, members: Sequence[MemberSpec], links: Sequence[tuple[int, int]]) -> None:
    if not members:
        raise refused("A routine needs at least one member task.", code="members_required", field="members")
    if len(members) > MAX_MEMBERS:
        raise refused(f"A routine has at most {MAX_MEMBERS} members.", code="invalid_member", field="members")
    for position, spec in enumerate(members, start=1):
        _member_check(position, spec)
    links_check(len(members), links)
    rows = {}
    for position, spec in enumerate(members, start=1):
        row = RoutineTask(
            routine=routine, position=position, template=spec.template, title=(spec.title or "").strip()[:200],
            checklist=[[str(text)[:300], bool(required)] for text, required in spec.checklist],
            offset_minutes=spec.offset_minutes, due_minutes=spec.due_minutes, assignee_kind=spec.assignee_kind or "",
            assignee=spec.assignee if spec.assignee_kind == AssigneeKind.PERSON else None,
            team=spec.team if spec.assignee_kind == AssigneeKind.TEAM else None,
            role=spec.role if spec.assignee_kind == AssigneeKind.ROLE else None,
        )  # fmt: skip
        row.save()
        rows[position] = row
    RoutineLink.objects.bulk_create(
        [RoutineLink(routine=routine, predecessor=rows[p], successor=rows[s]) for p, s in links]
    )


def _routine_check(routine: Routine) -> None:
    if not routine.name.strip():
        raise refused("A routine needs a name.", code="name_required", field="name")
    if not routine.workplace.is_active:
        raise refused(f"{routine.workplace.name} is inactive.", code="workplace_inactive", field="workplace")
    if not 1 <= routine.horizon_days <= MAX_HORIZON_DAYS:
        raise refused(f"Generate 1 to {MAX_HORIZON_DAYS} days ahead.", code="invalid_horizon", field="horizon_days")
    routine_rule(routine)  # invalid_rrule, unbounded_rrule, empty_rrule


@transaction.atomic
def routine_create(
    *,
    name: str,
    workplace: Any,
    rrule: str,
    start_date: datetime.date,
    start_time: datetime.time,
    members: Sequence[MemberSpec],
    acting_user: Any,
    links: Sequence[tuple[int, int]] = (),
    horizon_days: int = 14,
    generate: bool = True,
    split_from: Routine | None = None,
) -> Routine:
    """A routine with its members and links; its first occurrences are written at once (`generate`)."""
    routine = Routine(
        name=(name or "").strip()[:200], workplace=workplace, rrule=(rrule or "").strip().removeprefix("RRULE:"),
        start_date=start_date, start_time=start_time.replace(second=0, microsecond=0), horizon_days=horizon_days,
        created_by=writes.history_user(acting_user), split_from=split_from,
    )  # fmt: skip
    _routine_check(routine)
    routine._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    routine.save()
    _members_write(routine, members, links)
    publish("routine.created", routine_payload(routine), tenant=connection_tenant())
    if generate:
        generate_batch([routine.pk], now=timezone.now())
    return routine


@transaction.atomic
def routine_update(
    *, routine: Routine, acting_user: Any, name: str | None = None, horizon_days: int | None = None
) -> Routine:
    """Rename or change the horizon. The rule, the start and the members change from an occurrence on,
    with `routine_split` ("this and following"), so generated tasks are never rewritten silently."""
    row = writes.locked(routine, "workplace")
    if name is not None:
        row.name = name.strip()[:200]
    if horizon_days is not None:
        row.horizon_days = horizon_days
    _routine_check(row)
    row._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    row.save()
    return row


@transaction.atomic
def routine_pause(*, routine: Routine, paused: bool, acting_user: Any) -> Routine:
    """Pause (nothing new is generated; tasks already written stay) or resume (from now on: occurrences
    that fell while paused are not written late)."""
    row = writes.locked(routine)
    if row.status == RoutineStatus.ENDED:
        raise refused("This routine has ended; start a new one.", code="routine_ended", field="status")
    row.status = RoutineStatus.PAUSED if paused else RoutineStatus.ACTIVE
    if not paused:
        row.generated_until = max(row.generated_until or timezone.now(), timezone.now())
    row._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    row.save()
    return row


def occurrence_instant(routine: Routine, key: str) -> datetime.datetime:
    """The instant of the occurrence named by `key` (its local wall time), or `not_an_occurrence`."""
    try:
        wall = datetime.datetime.strptime(key, "%Y-%m-%dT%H:%M")
    except (TypeError, ValueError):
        raise refused(
            "Name the occurrence by its local time, e.g. 2026-12-07T09:00.",
            code="not_an_occurrence",
            field="occurrence",
        ) from None
    if not routine_rule(routine).between(wall, wall, inc=True):
        raise refused(f"{key} is not an occurrence of this routine.", code="not_an_occurrence", field="occurrence")
    return wall.replace(tzinfo=zone(routine.workplace.time_zone)).astimezone(datetime.UTC)


def _open_tasks(occurrence: Occurrence) -> list[Task]:
    ids = OccurrenceTask.objects.filter(occurrence=occurrence).values_list("task_id", flat=True)
    return list(Task.objects.filter(pk__in=ids).exclude(status__in=CLOSED_STATUSES).order_by("pk"))


def _occurrence_get_or_make(routine: Routine, key: str, at: datetime.datetime, *, skip: bool) -> Occurrence:
    found = Occurrence.objects.filter(routine=routine, key=key).first()
    if found is not None:
        return found
    if skip:
        return Occurrence.objects.create(routine=routine, key=key, at=at, status=OccurrenceStatus.SKIPPED)
    generate_batch([routine.pk], now=timezone.now(), only={routine.pk: [at]})
    return Occurrence.objects.get(routine=routine, key=key)


@transaction.atomic
def occurrence_edit(
    *,
    routine: Routine,
    key: str,
    acting_user: Any,
    skip: bool = False,
    local_time: datetime.datetime | None = None,
    assignee: Any = None,
) -> Occurrence:
    """ "This occurrence": skip it (its open tasks are cancelled and it is never generated again), move
    it to another local date and time (its open tasks' due times move by as much), or give its open
    tasks to one person. An occurrence not generated yet is written first (or recorded as skipped)."""
    if not skip and local_time is None and assignee is None:
        raise refused("Skip the occurrence, move it or name an assignee.", code="nothing_to_change")
    at = occurrence_instant(routine, key)
    routines_lock([routine.pk])
    occurrence = _occurrence_get_or_make(routine, key, at, skip=skip)
    if occurrence.status == OccurrenceStatus.SKIPPED and not skip:
        raise refused(f"The occurrence {key} was skipped.", code="occurrence_skipped", field="occurrence")
    tasks = _open_tasks(occurrence)
    if skip:
        for task in tasks:
            task_status_set(task=task, status=TaskStatus.CANCELLED, acting_user=acting_user, note="Occurrence skipped")
        occurrence.status = OccurrenceStatus.SKIPPED
    else:
        delta = datetime.timedelta(0)
        if local_time is not None:
            moved = local_time.replace(tzinfo=zone(routine.workplace.time_zone)).astimezone(datetime.UTC)
            delta, occurrence.at = moved - occurrence.at, moved
        for task in tasks:
            _task_change(task, delta=delta, assignee=assignee, acting_user=acting_user)
    occurrence.edited_at = timezone.now()
    occurrence.save()
    return occurrence


def _task_change(task: Task, *, delta: datetime.timedelta, assignee: Any, acting_user: Any) -> None:
    if task.due_at is not None:
        task.due_at += delta
    if assignee is not None:
        task.assignee_kind, task.assignee, task.team, task.role = AssigneeKind.PERSON, assignee, None, None
        task.claimed_at = None
    task._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    task._change_reason = "Routine occurrence edited"  # type: ignore[attr-defined]
    task.save()


def _rule_parts(text: str) -> list[str]:
    return [p for p in text.split(";") if p and not p.upper().startswith(("COUNT=", "UNTIL="))]


def _members_of(routine: Routine) -> tuple[list[MemberSpec], list[tuple[int, int]]]:
    rows = list(routine.members.select_related("template").order_by("position"))
    specs = [
        MemberSpec(
            template=m.template,
            title=m.title,
            checklist=m.checklist,
            offset_minutes=m.offset_minutes,
            due_minutes=m.due_minutes,
            assignee_kind=m.assignee_kind,
            assignee=m.assignee,
            team=m.team,
            role=m.role,
        )
        for m in rows
    ]
    position = {m.pk: m.position for m in rows}
    links = [(position[link.predecessor_id], position[link.successor_id]) for link in routine.links.all()]
    return specs, links


@transaction.atomic
def routine_split(
    *,
    routine: Routine,
    key: str,
    acting_user: Any,
    name: str | None = None,
    start_time: datetime.time | None = None,
    members: Sequence[MemberSpec] | None = None,
    links: Sequence[tuple[int, int]] | None = None,
    horizon_days: int | None = None,
) -> Routine:
    """ "This and following": the routine ends just before the occurrence `key` (UNTIL, or it ends when
    `key` is its first), and a new routine with the changes starts at it (what remains of a COUNT, or
    the same UNTIL). The old routine's occurrences from `key` on whose tasks are all untouched (to do or
    blocked, never started) are cancelled and skipped, and the new routine writes them afresh; one
    whose work has begun is kept, and the new routine records that key as skipped so it is not doubled."""
    row = writes.locked(routine, "workplace")
    if row.status == RoutineStatus.ENDED:
        raise refused("This routine has ended.", code="routine_ended", field="status")
    at = occurrence_instant(row, key)
    routines_lock([row.pk])
    rule = routine_rule(row)
    wall = datetime.datetime.strptime(key, "%Y-%m-%dT%H:%M")
    first = datetime.datetime.combine(row.start_date, row.start_time)
    before = len([d for d in rule.between(first, wall, inc=True) if d < wall])
    parts = _rule_parts(row.rrule)
    tail = f"COUNT={rule._count - before}" if rule._count else f"UNTIL={rule._until:%Y%m%dT%H%M%S}"
    specs, spec_links = _members_of(row)
    new = routine_create(
        name=name or row.name, workplace=row.workplace, rrule=";".join([*parts, tail]), start_date=wall.date(),
        start_time=start_time or wall.time(), members=specs if members is None else members,
        links=spec_links if members is None and links is None else (links or ()), acting_user=acting_user,
        horizon_days=horizon_days or row.horizon_days, generate=False, split_from=row,
    )  # fmt: skip
    kept = _old_occurrences_release(row, at=at, acting_user=acting_user)
    Occurrence.objects.bulk_create(
        [Occurrence(routine=new, key=o.key, at=o.at, status=OccurrenceStatus.SKIPPED) for o in kept]
    )
    if before:
        until = wall - datetime.timedelta(seconds=1)
        row.rrule = ";".join([*parts, f"UNTIL={until:%Y%m%dT%H%M%S}"])
    else:
        row.status = RoutineStatus.ENDED
    row._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    row._change_reason = f"Split at {key}"  # type: ignore[attr-defined]
    row.save()
    generate_batch([new.pk], now=timezone.now())
    return new


def _old_occurrences_release(routine: Routine, *, at: datetime.datetime, acting_user: Any) -> list[Occurrence]:
    """Cancel the untouched occurrences at or after `at`; the ones whose work began are returned."""
    kept = []
    occurrences = Occurrence.objects.filter(routine=routine, at__gte=at, status=OccurrenceStatus.GENERATED)
    for occurrence in occurrences.order_by("at"):
        ids = OccurrenceTask.objects.filter(occurrence=occurrence).values_list("task_id", flat=True)
        tasks = list(Task.objects.filter(pk__in=ids).order_by("pk"))
        if any(t.started_at or t.status in (TaskStatus.IN_PROGRESS, TaskStatus.DONE) for t in tasks):
            kept.append(occurrence)
            continue
        for task in tasks:
            if task.status not in CLOSED_STATUSES:
                task_status_set(task=task, status=TaskStatus.CANCELLED, acting_user=acting_user,
                                note="Routine changed from this occurrence on")  # fmt: skip
        occurrence.status = OccurrenceStatus.SKIPPED
        occurrence.edited_at = timezone.now()
        occurrence.save(update_fields=["status", "edited_at"])
    return kept
