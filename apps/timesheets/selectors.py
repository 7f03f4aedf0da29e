"""Reads of time entries: filtered lists, totals (one aggregate query each) and the CSV rows.

Days, weeks and months are those of the task's workplace (its time zone; UTC, or the given default,
for a task without one), so a shift from 22:00 to 02:00 in Sydney counts on the Sydney day it began.
"""

import datetime
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import (
    CharField,
    Count,
    DateField,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Extract, Now

from .models import TimeEntry

GROUPS = ("task", "person", "workplace", "day", "week", "month")
# Local days are at most 14 hours from UTC: a UTC window this much wider meets every local day asked for.
ZONE_SLACK = datetime.timedelta(hours=15)


class Local(Func):
    """The entry's start as wall time in its workplace's zone: PostgreSQL's timezone(zone, timestamptz)."""

    function = "timezone"
    output_field = DateTimeField()


def zone_of(default_zone: str = "UTC") -> Any:
    return Coalesce(F("task__workplace__time_zone"), Value(default_zone), output_field=CharField())


def local_start(default_zone: str = "UTC") -> Any:
    return Local(zone_of(default_zone), F("started_at"))


def minutes_expression() -> Any:
    """Minutes of an entry (a running one up to now)."""
    span = ExpressionWrapper(Coalesce(F("ended_at"), Now()) - F("started_at"), output_field=DurationField())
    return Extract(span, "epoch") / Value(60.0)


def entry_list(
    *,
    user_ids: Sequence[Any] | None,
    user: str = "",
    task: str = "",
    workplace: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    search: str = "",
    default_zone: str = "UTC",
) -> QuerySet[TimeEntry]:
    """Entries the caller may see (`user_ids` None: everyone's), newest first; `since`/`until` are
    local dates of the workplace (until inclusive)."""
    entries = TimeEntry.objects.select_related("task", "task__workplace", "user")
    if user_ids is not None:
        entries = entries.filter(user_id__in=list(user_ids))
    if user:
        entries = entries.filter(user_id=user)
    if task:
        entries = entries.filter(task_id=task) if task.isdigit() else entries.none()
    if workplace:
        entries = entries.filter(task__workplace__code=workplace)
    if search:
        entries = entries.filter(Q(note__icontains=search) | Q(task__title__icontains=search))
    return _within(entries, since, until, default_zone).order_by("-started_at", "-id")


def _within(
    entries: QuerySet[TimeEntry], since: datetime.date | None, until: datetime.date | None, default_zone: str
) -> QuerySet[TimeEntry]:
    """Local-date window: a UTC window (index) then the exact local test."""
    if since is None and until is None:
        return entries
    entries = entries.annotate(local_day=Cast(local_start(default_zone), DateField()))
    if since is not None:
        since_utc = datetime.datetime.combine(since, datetime.time(), datetime.UTC) - ZONE_SLACK
        entries = entries.filter(started_at__gte=since_utc, local_day__gte=since)
    if until is not None:
        until_utc = datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time(), datetime.UTC)
        entries = entries.filter(started_at__lt=until_utc + ZONE_SLACK, local_day__lte=until)
    return entries


def running_timer(*, user: Any) -> TimeEntry | None:
    return TimeEntry.objects.select_related("task", "task__workplace").filter(user=user, ended_at__isnull=True).first()


GROUP_FIELDS: dict[str, tuple[str, ...]] = {
    "task": ("task_id", "task__title"),
    "person": ("user_id", "user__email", "user__full_name"),
    "workplace": ("task__workplace__code", "task__workplace__name"),
}


def totals(
    entries: QuerySet[TimeEntry], *, by: str, default_zone: str = "UTC"
) -> list[dict[str, Any]]:  # fmt: skip
    """Minutes and entry counts per task, person, workplace or local day/week/month: one query."""
    if by not in GROUPS:
        raise ValueError(f"Group by one of {', '.join(GROUPS)}.")
    rows: Any = entries.order_by()
    if by in GROUP_FIELDS:
        rows = rows.values(*GROUP_FIELDS[by])
        order: tuple[str, ...] = ("-total_minutes",)
    else:
        trunc = Func(Value(by), local_start(default_zone), function="date_trunc", output_field=DateTimeField())
        rows = rows.annotate(period=Cast(trunc, DateField())).values("period")
        order = ("period",)
    aggregated = rows.annotate(
        total_minutes=Sum(minutes_expression(), output_field=FloatField()), entries=Count("id")
    ).order_by(*order)
    return [
        {**{k: v for k, v in row.items() if k != "total_minutes"}, "minutes": round(float(row["total_minutes"] or 0))}
        for row in aggregated
    ]


CSV_HEADER = ("entry", "person", "email", "task", "task_title", "workplace", "time_zone", "started_local",
              "ended_local", "minutes", "source", "note")  # fmt: skip


def csv_rows(entries: QuerySet[TimeEntry], *, default_zone: str = "UTC") -> Iterator[Sequence[Any]]:
    """The header then one row per entry, read in chunks from one server-side cursor."""
    yield CSV_HEADER
    rows = entries.annotate(
        zone=zone_of(default_zone),
        started_local=local_start(default_zone),
        ended_local=Local(zone_of(default_zone), F("ended_at")),
        minutes_float=minutes_expression(),
    ).values_list(
        "id", "user__full_name", "user__email", "task_id", "task__title", "task__workplace__code", "zone",
        "started_local", "ended_local", "minutes_float", "source", "note",
    )  # fmt: skip
    for row in rows.iterator(chunk_size=2000):
        *head, started, ended, minutes, source, note = row
        yield (*head, _stamp(started), _stamp(ended), round(float(minutes or 0)), source, note)


def _stamp(value: datetime.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""
