"""The roster calendar: a server-rendered grid of days (a week, or a month in weeks), by person (a row
per person) or by workplace (a row per week, every shift of the day in its cell). Two queries."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from apps.rosters.models import Roster, Shift


@dataclass
class Row:
    label: str
    cells: list[list[Shift]] = field(default_factory=list)


@dataclass
class Grid:
    view: str
    by: str
    start: datetime.date
    end: datetime.date
    days: list[datetime.date]
    rows: list[Row]
    previous: datetime.date
    next: datetime.date
    weeks: list[list[datetime.date]]


def window(view: str, anchor: datetime.date) -> tuple[datetime.date, datetime.date]:
    if view == "month":
        first = anchor.replace(day=1)
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        start = first - datetime.timedelta(days=first.weekday())
        last = following - datetime.timedelta(days=1)
        return start, last + datetime.timedelta(days=6 - last.weekday())
    start = anchor - datetime.timedelta(days=anchor.weekday())
    return start, start + datetime.timedelta(days=6)


def _name(user: Any) -> str:
    return getattr(user, "full_name", "") or user.email


def grid(roster: Roster, *, view: str, by: str, anchor: datetime.date) -> Grid:
    view, by = ("month" if view == "month" else "week"), ("workplace" if by == "workplace" else "person")
    start, end = window(view, anchor)
    days = [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]
    shifts = list(
        roster.shifts.filter(local_date__range=(start, end))
        .select_related("user", "shift_type")
        .order_by("starts_at", "id")
    )
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    if by == "person":
        rows_by_user: dict[Any, dict[datetime.date, list[Shift]]] = defaultdict(lambda: defaultdict(list))
        names = {}
        for shift in shifts:
            rows_by_user[shift.user_id][shift.local_date].append(shift)
            names[shift.user_id] = _name(shift.user)
        rows = [Row(names[uid], [rows_by_user[uid][d] for d in days]) for uid in sorted(names, key=names.get)]  # type: ignore[arg-type]
    else:
        by_day: dict[datetime.date, list[Shift]] = defaultdict(list)
        for shift in shifts:
            by_day[shift.local_date].append(shift)
        rows = [Row(f"Week of {week[0]:%d %b}", [by_day[d] for d in week]) for week in weeks]
    step = datetime.timedelta(days=7) if view == "week" else datetime.timedelta(days=31)
    previous = (anchor.replace(day=1) - datetime.timedelta(days=1)).replace(day=1) if view == "month" else start - step
    following = (anchor.replace(day=1) + step).replace(day=1) if view == "month" else start + step
    return Grid(view, by, start, end, days, rows, previous, following, weeks)
