"""Reads on rosters and shifts, in the tenant's schema. Lists select their related rows: no query per row."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from .models import CalendarFeed, Roster, Shift, ShiftStatus


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


def roster_list(
    *,
    workplace: str = "",
    status: str = "",
    on_or_after: datetime.date | None = None,
    on_or_before: datetime.date | None = None,
) -> QuerySet[Roster]:
    """Rosters with their site and shift count (one query); filters by site code, status and period."""
    rosters = Roster.objects.select_related("workplace").annotate(
        shift_count=Count("shifts", filter=~Q(shifts__status=ShiftStatus.CANCELLED))
    )
    if workplace:
        rosters = rosters.filter(workplace__code=workplace.strip().upper())
    if status:
        rosters = rosters.filter(status=status)
    if on_or_after:
        rosters = rosters.filter(end_date__gte=on_or_after)
    if on_or_before:
        rosters = rosters.filter(start_date__lte=on_or_before)
    return rosters


def roster_get(roster_id: Any) -> Roster:
    found = roster_list().filter(pk=roster_id).first() if str(roster_id).isdigit() else None
    if found is None:
        raise Http404("No such roster in this organisation.")
    return found


def shift_list(
    *,
    roster: Roster | None = None,
    user_id: Any = None,
    workplace: str = "",
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    visible_user_ids: set[str] | None = None,
    published: bool = False,
) -> QuerySet[Shift]:
    """Shifts with their person, site and type (one query), by start. `published`: what people see
    (published and cancelled shifts); `visible_user_ids` (None: everyone) narrows to those people."""
    shifts = Shift.objects.select_related("user", "workplace", "shift_type").order_by("starts_at", "id")
    if roster is not None:
        shifts = shifts.filter(roster=roster)
    if user_id:
        shifts = shifts.filter(user_id=user_id)
    if visible_user_ids is not None:
        shifts = shifts.filter(user_id__in=visible_user_ids)
    if workplace:
        shifts = shifts.filter(workplace__code=workplace.strip().upper())
    if start:
        shifts = shifts.filter(local_date__gte=start)
    if end:
        shifts = shifts.filter(local_date__lte=end)
    if published:
        shifts = shifts.filter(status__in=[ShiftStatus.PUBLISHED, ShiftStatus.CANCELLED])
    return shifts


def feed_shifts(user_id: Any, *, now: datetime.datetime) -> QuerySet[Shift]:
    """What a person's calendar feed shows: published and cancelled shifts, 30 days back to 90 ahead."""
    return shift_list(user_id=user_id, published=True).filter(
        ends_at__gte=now - datetime.timedelta(days=30), starts_at__lt=now + datetime.timedelta(days=90)
    )


def feed_by_token(token: str) -> CalendarFeed:
    found = CalendarFeed.objects.filter(token=token).first() if token else None
    if found is None:
        raise Http404("No such calendar.")
    return found
