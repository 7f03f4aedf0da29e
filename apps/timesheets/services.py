"""Writes of time entries: start and stop a timer, add, change and delete entries.

Refusals are `ValidationError`s whose `code` names the rule: `task_closed`, `task_not_allowed`,
`timer_already_running`, `time_entry_overlap` (naming the other entry), `invalid_range`,
`entry_in_future`, `entry_too_long`, `not_your_entry`, `entry_running`. The database keeps the two
rules that concurrent requests could otherwise break (one running timer, no overlap per person); the
services turn its refusals into the same coded errors, with nothing written.
"""

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.actors import acting_person
from apps.core.db import clash_id, violated_constraint
from apps.core.errors import refused
from apps.core.events import publish
from apps.core.recurrence import zone
from apps.tasks.models import OPEN_STATUSES, AssigneeKind, Task
from apps.tenancy.context import connection_tenant

from .access import manages_everyone, may_work_on
from .models import OVERLAP_CONSTRAINT, RUNNING_CONSTRAINT, EntrySource, TimeEntry
from .payloads import entry_payload

MAX_ENTRY = datetime.timedelta(hours=24)
FUTURE_TOLERANCE = datetime.timedelta(minutes=2)


def _describe(entry: TimeEntry) -> str:
    workplace = entry.task.workplace
    tz = zone(workplace.time_zone if workplace else "")
    start = entry.started_at.astimezone(tz)
    end = f"{entry.ended_at.astimezone(tz):%H:%M}" if entry.ended_at else "now (running)"
    return f'#{entry.pk} on "{entry.task.title}", {start:%a %d %b %H:%M} to {end}'


def _save(entry: TimeEntry) -> TimeEntry:
    """Save under a savepoint; the database's refusals become coded errors."""
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:
        name = violated_constraint(exc)
        if name == RUNNING_CONSTRAINT:
            raise refused("You already have a timer running; stop it first.", code="timer_already_running") from None
        if name == OVERLAP_CONSTRAINT:
            other_id = clash_id(exc)
            other = (
                TimeEntry.objects.select_related("task__workplace").filter(pk=other_id).first() if other_id else None
            )
            named = f": {_describe(other)}" if other else "."
            raise refused(f"This time overlaps another entry of the same person{named}",
                          code="time_entry_overlap") from None  # fmt: skip
        raise
    return entry


def _publish(event: str, entry: TimeEntry, **extra: Any) -> None:
    publish(event, entry_payload(entry, **extra), tenant=connection_tenant())


def _task_check(task: Task, user: Any, acting_user: Any) -> None:
    if may_work_on(task, user) or manages_everyone(acting_user):
        return
    whose = "to someone else"
    if task.assignee_kind == AssigneeKind.TEAM:
        whose = "to a team you are not in"
    elif task.assignee_kind == AssigneeKind.ROLE:
        whose = "to a role you do not hold at its workplace" if task.assignee_id is None else \
            "to someone else, who claimed it"  # fmt: skip
    raise refused(f"This task is assigned {whose}; log time on your own tasks.", code="task_not_allowed",
                  field="task")  # fmt: skip


def _range_check(started_at: datetime.datetime, ended_at: datetime.datetime | None) -> None:
    if timezone.is_naive(started_at) or (ended_at is not None and timezone.is_naive(ended_at)):
        raise refused("Times need a UTC offset, e.g. 2026-12-07T09:00:00+11:00.", code="invalid_range")
    if ended_at is None:
        return
    if ended_at <= started_at:
        raise refused("An entry ends after it starts.", code="invalid_range", field="ended_at")
    if ended_at - started_at > MAX_ENTRY:
        raise refused("One entry covers at most 24 hours; split longer work.", code="entry_too_long",
                      field="ended_at")  # fmt: skip
    if ended_at > timezone.now() + FUTURE_TOLERANCE:
        raise refused("An entry cannot end in the future; start a timer instead.", code="entry_in_future",
                      field="ended_at")  # fmt: skip


def _owner_check(entry: TimeEntry, acting_user: Any) -> None:
    if entry.user_id != getattr(acting_user, "pk", None) and not manages_everyone(acting_user):
        raise refused("You may change your own time entries only.", code="not_your_entry")


@transaction.atomic
def timer_start(*, task: Task, user: Any, acting_user: Any, note: str = "") -> TimeEntry:
    """Start `user`'s timer on an open task they may work on (one running timer per person)."""
    task = Task.objects.select_related("workplace").get(pk=task.pk)
    if task.status not in OPEN_STATUSES:
        raise refused(f"The task is {task.get_status_display().lower()}; reopen it to log time.",
                      code="task_closed", field="task")  # fmt: skip
    _task_check(task, user, acting_user)
    if TimeEntry.objects.filter(user=user, ended_at__isnull=True).exists():
        raise refused("You already have a timer running; stop it first.", code="timer_already_running")
    entry = TimeEntry(task=task, user=user, started_at=timezone.now(), note=note[:500], source=EntrySource.TIMER,
                      created_by=acting_person(acting_user))  # fmt: skip
    entry._history_user = acting_person(acting_user)  # type: ignore[attr-defined]
    _save(entry)
    _publish("time_entry.created", entry)
    return entry


@transaction.atomic
def timer_stop(*, user: Any, acting_user: Any, note: str | None = None) -> TimeEntry | None:
    """Stop `user`'s running timer; None when none runs (stopping twice is harmless)."""
    entry = TimeEntry.objects.select_for_update().filter(user=user, ended_at__isnull=True).first()
    if entry is None:
        return None
    entry.ended_at = max(timezone.now(), entry.started_at + datetime.timedelta(seconds=1))
    if note is not None:
        entry.note = note[:500]
    entry._history_user = acting_person(acting_user)  # type: ignore[attr-defined]
    _save(entry)
    _publish("time_entry.updated", entry)
    return entry


@transaction.atomic
def entry_add(
    *,
    task: Task,
    user: Any,
    started_at: datetime.datetime,
    ended_at: datetime.datetime,
    acting_user: Any,
    note: str = "",
) -> TimeEntry:
    """A manual entry (for yourself; admins and API keys for anyone)."""
    if getattr(user, "pk", None) != getattr(acting_user, "pk", None) and not manages_everyone(acting_user):
        raise refused("You may record your own time only.", code="not_your_entry", field="user")
    _range_check(started_at, ended_at)
    _task_check(task, user, acting_user)
    entry = TimeEntry(task=task, user=user, started_at=started_at, ended_at=ended_at, note=note[:500],
                      source=EntrySource.MANUAL, created_by=acting_person(acting_user))  # fmt: skip
    entry._history_user = acting_person(acting_user)  # type: ignore[attr-defined]
    _save(entry)
    _publish("time_entry.created", entry)
    return entry


_UNSET: Any = object()


@transaction.atomic
def entry_update(
    *,
    entry: TimeEntry,
    acting_user: Any,
    task: Task | None = None,
    started_at: datetime.datetime | None = None,
    ended_at: Any = _UNSET,
    note: str | None = None,
) -> TimeEntry:
    """Change an entry's task, times or note (your own; admins any). A running timer keeps running
    unless `ended_at` is given."""
    entry = TimeEntry.objects.select_for_update().select_related("task").get(pk=entry.pk)
    _owner_check(entry, acting_user)
    if task is not None and task.pk != entry.task_id:
        _task_check(task, entry.user, acting_user)
        entry.task = task
    entry.started_at = started_at or entry.started_at
    entry.ended_at = entry.ended_at if ended_at is _UNSET else ended_at
    if entry.ended_at is None and entry.source == EntrySource.MANUAL:
        raise refused("A manual entry needs an end.", code="invalid_range", field="ended_at")
    _range_check(entry.started_at, entry.ended_at)
    if note is not None:
        entry.note = note[:500]
    entry._history_user = acting_person(acting_user)  # type: ignore[attr-defined]
    _save(entry)
    _publish("time_entry.updated", entry)
    return entry


@transaction.atomic
def entry_delete(*, entry: TimeEntry, acting_user: Any) -> None:
    """Delete an entry (your own; admins any). History keeps it."""
    entry = TimeEntry.objects.select_for_update().get(pk=entry.pk)
    _owner_check(entry, acting_user)
    entry._history_user = acting_person(acting_user)  # type: ignore[attr-defined]
    payload_entry = TimeEntry(pk=entry.pk, task_id=entry.task_id, user_id=entry.user_id, started_at=entry.started_at,
                              ended_at=entry.ended_at, source=entry.source, note=entry.note)  # fmt: skip
    entry.delete()
    _publish("time_entry.deleted", payload_entry, deleted=True)
