"""Reads on leave: approved leave per person and day (the contract attendance and rosters use), balances.

`leave_days` is one query over the requests that hold days in the range; each request keeps the
working minutes it counted per day (`day_minutes`), so a day's minutes come from the request itself.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet, Sum

from .models import TAKEN_STATUSES, LeaveLedgerEntry, LeaveRequest, LeaveType


@dataclass(frozen=True)
class LeaveDay:
    """Approved leave of one person on one day. `minutes` None means the whole day."""

    type_code: str
    type_name: str
    minutes: int | None
    paid: bool


def _days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    return [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]


def requests_holding(*, start: datetime.date, end: datetime.date, statuses: tuple[str, ...] = TAKEN_STATUSES,
                     user_ids: Any = None) -> QuerySet[LeaveRequest]:  # fmt: skip
    """Requests in `statuses` whose days (up to a partial cancellation) meet [start, end], both included."""
    queryset = LeaveRequest.objects.filter(status__in=statuses, start_date__lte=end, effective_end__gte=start)
    if user_ids is not None:
        queryset = queryset.filter(user_id__in=list(user_ids))
    return queryset


def request_day_minutes(request: LeaveRequest, day: datetime.date) -> int | None:
    """The minutes a request takes on `day`: None for a whole working day, a number for a part of one
    (half-day or hourly), 0 when the day is not a working day inside the request."""
    counted = request.day_minutes.get(day.isoformat())
    if counted is None:
        return 0
    partial = (
        request.is_hourly
        or (day == request.start_date and request.start_half)
        or (day == request.end_date and request.end_half)
    )
    return int(counted) if partial else None


def leave_days(*, user_ids: Any, start: datetime.date, end: datetime.date) -> dict[tuple[Any, datetime.date], LeaveDay]:
    """Approved leave per (user_id, day) from `start` to `end` (both included): one query.

    Only working days the request counted appear (a weekend inside a fortnight of leave is not a
    leave day); `minutes` is None for a whole day, the minutes for a half day or hourly leave."""
    found: dict[tuple[Any, datetime.date], LeaveDay] = {}
    requests = requests_holding(start=start, end=end, user_ids=user_ids).select_related("leave_type")
    for request in requests:
        for day in _days(max(start, request.start_date), min(end, request.effective_end)):
            minutes = request_day_minutes(request, day)
            if minutes == 0:
                continue
            found[(request.user_id, day)] = LeaveDay(
                request.leave_type.code, request.leave_type.name, minutes, request.leave_type.paid
            )
    return found


def people_on_leave(user_ids: Any, day: datetime.date) -> set[Any]:
    """Who of `user_ids` has approved leave covering `day` (one query)."""
    return set(requests_holding(start=day, end=day, user_ids=user_ids).values_list("user_id", flat=True).distinct())


def ledger_sum(*, user: Any, leave_type: LeaveType, on: datetime.date | None = None) -> int:
    """The sum of the person's ledger of a type (up to and including `on` when given): one index-only query."""
    queryset = LeaveLedgerEntry.objects.filter(user_id=getattr(user, "pk", user), leave_type=leave_type)
    if on is not None:
        queryset = queryset.filter(effective_on__lte=on)
    return int(queryset.aggregate(total=Sum("minutes"))["total"] or 0)


def ledger_for(*, user: Any, leave_type: LeaveType | None = None) -> QuerySet[LeaveLedgerEntry]:
    queryset = LeaveLedgerEntry.objects.filter(user_id=getattr(user, "pk", user)).select_related(
        "leave_type", "request", "created_by"
    )
    if leave_type is not None:
        queryset = queryset.filter(leave_type=leave_type)
    return queryset.order_by("-effective_on", "-id")
