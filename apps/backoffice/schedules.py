"""The beat schedule from code: every `PeriodicTask` the apps declare, written into django-celery-beat.

`schedules_sync()` is idempotent (a second run changes nothing) and keyed by the task's name:
- a declared task without a row gets one;
- a row whose timing is still what the sync last wrote follows the declaration when it changes;
- a row whose timing a staff member edited in the admin keeps it (reported as "kept");
- an enabled row whose task no app declares any more is disabled (and enabled again if it returns).
Rows of Celery's own (`celery.*`) and rows staff made for a declared task under another name are
left alone.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule
from django_celery_beat.models import PeriodicTask as BeatTask

from apps.core.contributions import PeriodicTask, contributions

from .models import DeclaredSchedule

CRONTAB_FIELDS = ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # staff-edited timing left alone
    disabled: list[str] = field(default_factory=list)
    enabled: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.disabled or self.enabled)


def declared_timing(task: PeriodicTask) -> dict[str, Any]:
    if task.interval is not None:
        every, period = task.interval
        return {"interval": [every, period]}
    crontab = {name: str((task.crontab or {}).get(name, "*")) for name in CRONTAB_FIELDS}
    return {"crontab": {**crontab, "timezone": "UTC"}}


def row_timing(row: BeatTask) -> dict[str, Any]:
    if row.interval_id:
        return {"interval": [row.interval.every, row.interval.period]}
    if row.crontab_id:
        crontab = {name: str(getattr(row.crontab, name)) for name in CRONTAB_FIELDS}
        return {"crontab": {**crontab, "timezone": str(row.crontab.timezone)}}
    return {"other": True}  # solar or clocked: only staff set those


def _schedule_fields(timing: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {"interval": None, "crontab": None, "solar": None, "clocked": None}
    if "interval" in timing:
        every, period = timing["interval"]
        fields["interval"] = IntervalSchedule.objects.filter(every=every, period=period).first() or (
            IntervalSchedule.objects.create(every=every, period=period)
        )
    else:
        values = timing["crontab"]
        fields["crontab"] = CrontabSchedule.objects.filter(**values).first() or CrontabSchedule.objects.create(**values)
    return fields


def _describe(timing: dict[str, Any]) -> str:
    if "interval" in timing:
        every, period = timing["interval"]
        return f"every {every} {period}"
    if "crontab" in timing:
        values = timing["crontab"]
        return "crontab " + " ".join(values[name] for name in CRONTAB_FIELDS) + f" ({values['timezone']})"
    return "a solar or clocked schedule"


def _row_update(row: BeatTask, task: PeriodicTask) -> bool:
    """The task and its options follow the declaration; True when something changed."""
    wanted = {"task": task.task, "description": task.description, **task.options}
    changed = {name: value for name, value in wanted.items() if getattr(row, name) != value}
    for name, value in changed.items():
        setattr(row, name, value)
    return bool(changed)


def _timing_follow(row: BeatTask, task: PeriodicTask, state: DeclaredSchedule | None, notes: list[str]) -> str:
    """ "same", "updated" (the row had what the sync last wrote) or "kept" (staff edited it)."""
    want, current = declared_timing(task), row_timing(row)
    # No state: a row the retired schedule migrations wrote, with the declared timing of that time.
    last = state.timing if state is not None else want
    if current == want:
        return "same"
    if current == last:
        for name, value in _schedule_fields(want).items():
            setattr(row, name, value)
        return "updated"
    notes.append(f"kept {task.name}: its timing was edited in the admin ({_describe(current)}; "
                 f"declared: {_describe(want)})")  # fmt: skip
    return "kept"


def _existing_sync(row: BeatTask, task: PeriodicTask, state: DeclaredSchedule | None, report: SyncReport,
                   notes: list[str]) -> None:  # fmt: skip
    timing = _timing_follow(row, task, state, notes)
    if timing == "kept":
        report.kept.append(task.name)
    changed = _row_update(row, task) | (timing == "updated")
    enabled_again = bool(not row.enabled and state is not None and state.disabled_by_sync)
    if enabled_again:
        row.enabled = True
        report.enabled.append(task.name)
    elif changed:
        report.updated.append(task.name)
    elif timing != "kept":
        report.unchanged.append(task.name)
    if changed or enabled_again:
        row.save()  # its signal tells a running beat that the schedule changed


def _declared_sync(task: PeriodicTask, row: BeatTask | None, state: DeclaredSchedule | None, report: SyncReport,
                   notes: list[str]) -> None:  # fmt: skip
    want = declared_timing(task)
    if row is None:
        BeatTask.objects.create(name=task.name, task=task.task, description=task.description,
                                **_schedule_fields(want), **task.options)  # fmt: skip
        report.created.append(task.name)
    else:
        _existing_sync(row, task, state, report, notes)
    if state is None or state.timing != want or state.disabled_by_sync:
        DeclaredSchedule.objects.update_or_create(name=task.name, defaults={"timing": want, "disabled_by_sync": False})


@transaction.atomic
def schedules_sync() -> tuple[SyncReport, list[str]]:
    """Write the declared periodic tasks into django-celery-beat; returns the report and its notes."""
    declared = {task.name: task for task in contributions(PeriodicTask)}
    declared_tasks = {task.task for task in declared.values()}
    rows = {
        row.name: row for row in BeatTask.objects.select_related("interval", "crontab").select_for_update(of=("self",))
    }
    states = {state.name: state for state in DeclaredSchedule.objects.select_for_update()}
    report = SyncReport()
    notes: list[str] = []
    for name, task in declared.items():
        _declared_sync(task, rows.get(name), states.get(name), report, notes)
    for name, row in rows.items():
        if name in declared or name.startswith("celery.") or not row.enabled or row.task in declared_tasks:
            continue
        row.enabled = False
        row.save(update_fields=["enabled"])
        DeclaredSchedule.objects.update_or_create(
            name=name, defaults={"timing": row_timing(row), "disabled_by_sync": True}
        )
        report.disabled.append(name)
        notes.append(f"disabled {name}: no app declares the task {row.task}")
    return report, notes
