"""Finish-to-start dependencies between tasks: `successor` may start once `predecessor` is done.

Writes: `dependency_add(*, predecessor, successor, acting_user)` and `dependency_remove(*, link,
acting_user)`. Refusals are ValidationErrors whose code names the rule: `dependency_self`,
`dependency_exists`, `dependency_cycle` (naming the path), `predecessor_cancelled`, `successor_closed`.

The rule kept here: an open task with a predecessor that is not done is `blocked`, and its
`blocked_reason` says by what ("Blocked by: #12 “Shelf check”"). The reason is set when a link is
added to an open task or a predecessor is reopened, rewritten as predecessors finish, and cleared when
the last one is done or its link removed; the task then returns to where it was (in progress if it
had been started, else to do) and `task.unblocked` is published for its assignee and watchers.

A cancelled predecessor never becomes done, so its successors stay blocked ("Blocked by a cancelled
task") until someone removes the link: cancelling work that others wait for is a decision a person
should look at, not something to paper over by silently starting the successor.

A task blocked by hand (a reason that does not start with "Blocked by") is left alone.

No cycle, across any length: links are added under a transaction-level advisory lock per schema (two
concurrent links cannot close a cycle together), and one recursive query walks the successors of the
new successor looking for the new predecessor.

`task_status_set` (services.py) calls `start_refusal` before a task starts or completes and
`successors_refresh` after its status changed, inside its transaction.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.core.errors import refused
from apps.core.events import publish_many
from apps.tenancy.context import connection_tenant

from .models import OPEN_STATUSES, Task, TaskDependency, TaskStatus, TaskWatcher

PREFIX = "Blocked by"
CANCELLED_PREFIX = "Blocked by a cancelled task"
NAMED_AT_MOST = 5  # predecessors named in a reason; the rest are counted
EVENT_UNBLOCKED = "task.unblocked"

# Does the new successor reach the new predecessor? One row per task reached (UNION drops repeats);
# PostgreSQL stops the walk as soon as the LIMIT is met, i.e. when the predecessor is found.
REACHES_SQL = """
WITH RECURSIVE walk(task_id) AS (
    SELECT successor_id FROM tasks_taskdependency WHERE predecessor_id = %(successor)s
    UNION
    SELECT d.successor_id FROM walk w JOIN tasks_taskdependency d ON d.predecessor_id = w.task_id
)
SELECT 1 FROM walk WHERE task_id = %(predecessor)s LIMIT 1
"""

# Only when it does: the links walked from the new successor, breadth first, one row per link reached (UNION
# drops repeats, so a diamond is walked once per link, not per path), not walking on from the predecessor. The
# path is traced back in Python from the first parent seen of each task (a shortest path): tracing it back in SQL
# scanned the whole walk once per step.
CYCLE_SQL = """
WITH RECURSIVE walk(task_id, parent_id) AS (
    SELECT successor_id, predecessor_id FROM tasks_taskdependency WHERE predecessor_id = %(successor)s
    UNION
    SELECT d.successor_id, d.predecessor_id
    FROM walk w JOIN tasks_taskdependency d ON d.predecessor_id = w.task_id
    WHERE w.task_id <> %(predecessor)s
)
SELECT task_id, parent_id FROM walk
"""


def _user(acting_user: Any) -> Any:
    return acting_user if getattr(acting_user, "pk", None) else None


def _label(task_id: int, title: str) -> str:
    return f"#{task_id} “{title}”"


def _named(items: Sequence[tuple[int, str]]) -> str:
    names = [_label(pk, title) for pk, title in items[:NAMED_AT_MOST]]
    more = len(items) - NAMED_AT_MOST
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def blocked_reason_for(waiting: Sequence[tuple[int, str, str]]) -> str:
    """The reason a task is blocked by predecessors `(id, title, status)` that are not done."""
    cancelled = [(pk, title) for pk, title, status in waiting if status == TaskStatus.CANCELLED]
    pending = [(pk, title) for pk, title, status in waiting if status != TaskStatus.CANCELLED]
    parts = []
    if cancelled:
        parts.append(f"{CANCELLED_PREFIX} (remove the link to go on): {_named(cancelled)}")
    if pending:
        parts.append(f"{PREFIX}: {_named(pending)}")
    return ". ".join(parts)[:300]


def is_dependency_block(task: Task) -> bool:
    return task.status == TaskStatus.BLOCKED and task.blocked_reason.startswith(PREFIX)


# --- reads ------------------------------------------------------------------------------------------


def waiting_on(task_ids: Iterable[int]) -> dict[int, list[tuple[int, str, str]]]:
    """For each task, its predecessors that are not done `(id, title, status)`, by id. One query."""
    rows = (
        TaskDependency.objects.filter(successor_id__in=list(task_ids))
        .exclude(predecessor__status=TaskStatus.DONE)
        .order_by("successor_id", "predecessor_id")
        .values_list("successor_id", "predecessor_id", "predecessor__title", "predecessor__status")
    )
    found: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for successor_id, *predecessor in rows:
        found[successor_id].append(tuple(predecessor))  # type: ignore[arg-type]
    return found


def predecessor_links(task: Task) -> list[TaskDependency]:
    """The task's links to what it waits for, with those tasks (one query)."""
    return list(
        TaskDependency.objects.filter(successor_id=task.pk).select_related("predecessor").order_by("predecessor_id")
    )


def successor_links(task: Task) -> list[TaskDependency]:
    """The task's links to what waits for it, with those tasks (one query)."""
    return list(
        TaskDependency.objects.filter(predecessor_id=task.pk).select_related("successor").order_by("successor_id")
    )


def cycle_path(*, predecessor_id: int, successor_id: int) -> list[int]:
    """The task ids from `successor` to `predecessor` along existing links (empty: no such path), so
    adding predecessor → successor would close that cycle. One recursive query over task ids (a
    second, naming a shortest path, only when there is one)."""
    params = {"predecessor": predecessor_id, "successor": successor_id}
    with connection.cursor() as cursor:
        cursor.execute(REACHES_SQL, params)
        if cursor.fetchone() is None:
            return []
        cursor.execute(CYCLE_SQL, params)
        parent: dict[int, int] = {}
        for task_id, parent_id in cursor.fetchall():  # breadth first: the first parent is on a shortest path
            parent.setdefault(task_id, parent_id)
    path = [predecessor_id]
    while path[-1] != successor_id and len(path) <= len(parent):
        path.append(parent[path[-1]])
    return path[::-1]


# --- the engine's hooks -----------------------------------------------------------------------------


def start_refusal(task: Task) -> ValidationError | None:
    """A refusal (code `blocked_by_predecessors`, naming them) when a predecessor is not done."""
    waiting = waiting_on([task.pk]).get(task.pk)
    if not waiting:
        return None
    return refused(
        f"This task waits for {len(waiting)} task(s) to be done first. {blocked_reason_for(waiting)}.",
        code="blocked_by_predecessors",
        field="status",
    )


def successors_refresh(*, task: Task, acting_user: Any) -> None:
    """After `task`'s status changed: block or unblock what waits for it; a task moved back to "to do"
    while it still waits is blocked again (the instance given is updated in place)."""
    if task.status == TaskStatus.TODO:
        waiting = waiting_on([task.pk]).get(task.pk)
        if waiting:
            _block(task, waiting, acting_user=acting_user, note="Still waiting for its predecessors")
    ids = list(TaskDependency.objects.filter(predecessor_id=task.pk).values_list("successor_id", flat=True))
    if ids:
        _reconcile(ids, acting_user=acting_user, cause=task)


def _reconcile(task_ids: Sequence[int], *, acting_user: Any, cause: Task | None = None) -> list[Task]:
    """Bring each open task's blocked state in line with its predecessors; returns those unblocked.
    Rows are locked (by id) before their predecessors are read, so a concurrent completion of another
    predecessor is seen by whichever transaction locks the row second."""
    tasks = list(Task.objects.select_for_update().filter(pk__in=task_ids, status__in=OPEN_STATUSES).order_by("pk"))
    if not tasks:
        return []
    waiting = waiting_on([t.pk for t in tasks])
    unblocked = []
    for task in tasks:
        if waiting.get(task.pk):
            _block(task, waiting[task.pk], acting_user=acting_user)
        elif is_dependency_block(task):
            _unblock(task, acting_user=acting_user)
            unblocked.append(task)
    if unblocked:
        _publish_unblocked(unblocked, cause=cause)
    return unblocked


def _save(task: Task, acting_user: Any, note: str, fields: list[str]) -> None:
    task._history_user = _user(acting_user)  # type: ignore[attr-defined]
    task._change_reason = note[:100] if note else None  # type: ignore[attr-defined]
    task.save(update_fields=[*fields, "updated_at"])


def _block(task: Task, waiting: Sequence[tuple[int, str, str]], *, acting_user: Any, note: str = "") -> None:
    if task.status == TaskStatus.BLOCKED and not task.blocked_reason.startswith(PREFIX):
        return  # blocked by a person for another reason: theirs to lift
    reason = blocked_reason_for(waiting)
    if task.status == TaskStatus.BLOCKED and task.blocked_reason == reason:
        return
    task.status, task.blocked_reason = TaskStatus.BLOCKED, reason
    _save(task, acting_user, note or "Waiting for predecessors", ["status", "blocked_reason"])


def _unblock(task: Task, *, acting_user: Any) -> None:
    task.status = TaskStatus.IN_PROGRESS if task.started_at else TaskStatus.TODO
    task.blocked_reason = ""
    _save(task, acting_user, "Predecessors done", ["status", "blocked_reason"])


def unblocked_payload(task: Task, *, watchers: Sequence[Any], cause: Task | None) -> dict[str, Any]:
    return {
        "id": task.pk,
        "title": task.title,
        "status": task.status,
        "workplace": task.workplace_id,
        "due_at": task.due_at.isoformat() if task.due_at else None,
        "assignee_kind": task.assignee_kind,
        "assignee": str(task.assignee_id) if task.assignee_id else None,
        "watchers": [str(pk) for pk in watchers],
        "unblocked_by": {"id": cause.pk, "title": cause.title, "status": cause.status} if cause else None,
        "at": timezone.now().isoformat(),
    }


def sample_payload() -> dict[str, Any]:
    return {
        "id": 4211, "title": "Photo report", "status": "todo", "workplace": 12, "due_at": "2026-12-08T16:00:00+11:00",
        "assignee_kind": "person", "assignee": "6b1f4f5e-2c57-4f0a-9a53-0d8f1c7e9a11", "watchers": [],
        "unblocked_by": {"id": 4210, "title": "Shelf check", "status": "done"}, "at": "2026-12-08T10:42:00+11:00",
    }  # fmt: skip


def _publish_unblocked(tasks: Sequence[Task], *, cause: Task | None) -> None:
    watchers: dict[int, list[Any]] = defaultdict(list)
    for task_id, user_id in TaskWatcher.objects.filter(task_id__in=[t.pk for t in tasks]).values_list(
        "task_id", "user_id"
    ):
        watchers[task_id].append(user_id)
    tenant = connection_tenant()
    publish_many(
        EVENT_UNBLOCKED,
        [(tenant, unblocked_payload(task, watchers=watchers[task.pk], cause=cause)) for task in tasks],
    )


# --- writes -----------------------------------------------------------------------------------------


def _lock_graph() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended('tasks.dependencies:' || current_schema(), 0))")


def _refusal(predecessor: Task, successor: Task) -> ValidationError | None:
    if predecessor.status == TaskStatus.CANCELLED:
        return refused(
            f"{_label(predecessor.pk, predecessor.title)} is cancelled: it will never be done, so nothing can wait "
            "for it.",
            code="predecessor_cancelled",
            field="predecessor",
        )
    if successor.status not in OPEN_STATUSES:
        return refused(
            f"{_label(successor.pk, successor.title)} is {successor.get_status_display().lower()}: only an open task "
            "can wait for another.",
            code="successor_closed",
            field="successor",
        )
    return None  # a link that exists already is refused by its unique constraint, on insert


def _cycle_refusal(predecessor: Task, successor: Task) -> ValidationError | None:
    path = cycle_path(predecessor_id=predecessor.pk, successor_id=successor.pk)
    if not path:
        return None
    titles = dict(Task.objects.filter(pk__in=path).values_list("pk", "title"))
    loop = " → ".join(_label(pk, titles.get(pk, "")) for pk in [*path, successor.pk])
    return refused(
        f"That link would make a cycle: {loop}. A task cannot wait, even indirectly, for itself.",
        code="dependency_cycle",
        field="predecessor",
    )


@transaction.atomic
def dependency_add(*, predecessor: Task, successor: Task, acting_user: Any) -> TaskDependency:
    """Make `successor` wait for `predecessor` (finish-to-start); blocks the successor while the
    predecessor is not done."""
    if predecessor.pk == successor.pk:
        raise refused("A task cannot wait for itself.", code="dependency_self", field="predecessor")
    _lock_graph()
    rows = Task.objects.select_for_update().filter(pk__in=[predecessor.pk, successor.pk]).order_by("pk")
    locked = {t.pk: t for t in rows}
    if len(locked) != 2:
        raise refused("No such task.", code="unknown_task", field="predecessor")
    predecessor, successor = locked[predecessor.pk], locked[successor.pk]
    refusal = _refusal(predecessor, successor) or _cycle_refusal(predecessor, successor)
    if refusal is not None:
        raise refusal
    try:  # no savepoint: on a conflict the whole transaction is given up, nothing was written
        link = TaskDependency.objects.create(
            predecessor=predecessor, successor=successor, created_by=_user(acting_user)
        )
    except IntegrityError as exc:
        raise refused(
            f"{_label(successor.pk, successor.title)} already waits for {_label(predecessor.pk, predecessor.title)}.",
            code="dependency_exists",
            field="predecessor",
        ) from exc
    waiting = waiting_on([successor.pk]).get(successor.pk)
    if waiting:
        _block(successor, waiting, acting_user=acting_user, note=f"Now waits for #{predecessor.pk}")
    else:
        _save(successor, acting_user, f"Now waits for #{predecessor.pk} (done)", [])
    return link


@transaction.atomic
def dependency_links_for_new_tasks(*, pairs: Sequence[tuple[Task, Task]]) -> list[TaskDependency]:
    """Links between tasks created together just now (a routine's occurrence, a maintenance work
    order's steps), set-based: no cycle check (the caller's own links form no cycle, and nothing else
    can point at tasks that did not exist before), and the successors blocked with their reason
    (history rows are left to the caller's bulk writes). A few queries, whatever the number of pairs."""
    links = TaskDependency.objects.bulk_create(
        [TaskDependency(predecessor_id=p.pk, successor_id=s.pk) for p, s in pairs], ignore_conflicts=True
    )
    successors = {s.pk: s for _, s in pairs}
    waiting = waiting_on(successors)
    blocked = [task for pk, task in successors.items() if waiting.get(pk) and task.status in OPEN_STATUSES]
    for task in blocked:
        task.status, task.blocked_reason = TaskStatus.BLOCKED, blocked_reason_for(waiting[task.pk])
    Task.objects.bulk_update(blocked, ["status", "blocked_reason"], batch_size=1000)
    return links


@transaction.atomic
def dependency_remove(*, link: TaskDependency, acting_user: Any) -> None:
    """Remove a link; the successor is unblocked (and its people told) when nothing else holds it."""
    successor = Task.objects.select_for_update().get(pk=link.successor_id)
    deleted, _ = TaskDependency.objects.filter(pk=link.pk).delete()
    if not deleted:
        raise refused("That link was removed already.", code="dependency_missing")
    predecessor = Task.objects.filter(pk=link.predecessor_id).first()
    _save(successor, acting_user, f"No longer waits for #{link.predecessor_id}", [])
    _reconcile([successor.pk], acting_user=acting_user, cause=predecessor)
