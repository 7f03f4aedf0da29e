"""Reads on rosters and shifts, in the tenant's schema. Lists select their related rows: no query per row."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from .models import Shift, ShiftStatus


def _people_and_places(
    shifts: QuerySet[Shift], user_ids: Iterable[Any] | None, workplace_ids: Iterable[int] | None
) -> QuerySet[Shift]:
    if user_ids is not None:
        shifts = shifts.filter(user_id__in=list(user_ids))
    if workplace_ids is not None:
        shifts = shifts.filter(workplace_id__in=list(workplace_ids))
    return shifts


def shifts_between(
    *,
    start: datetime.datetime,
    end: datetime.datetime,
    user_ids: Iterable[Any] | None = None,
    workplace_ids: Iterable[int] | None = None,
    published_only: bool = True,
) -> QuerySet[Shift]:
    """Shifts overlapping [start, end) (cancelled ones only when not `published_only`), by start."""
    shifts = Shift.objects.filter(starts_at__lt=end, ends_at__gt=start).select_related("workplace", "shift_type")
    if published_only:
        shifts = shifts.filter(status=ShiftStatus.PUBLISHED)
    return _people_and_places(shifts, user_ids, workplace_ids).order_by("starts_at", "id")


def shifts_on(
    day: datetime.date, *, user_ids: Iterable[Any] | None = None, workplace_ids: Iterable[int] | None = None
) -> QuerySet[Shift]:
    """Published shifts starting on the workplace-local `day`."""
    shifts = Shift.objects.filter(local_date=day, status=ShiftStatus.PUBLISHED).select_related(
        "workplace", "shift_type"
    )
    return _people_and_places(shifts, user_ids, workplace_ids).order_by("starts_at", "id")
