"""Reads on punches, in the tenant's schema."""

import datetime
import uuid
from collections.abc import Iterable
from typing import Any

from django.db.models import F, Q, QuerySet

from apps.rosters import selectors as roster_selectors
from apps.rosters.models import Shift
from apps.workplaces.models import Workplace

from .models import Punch, PunchKind, PunchPolicy

EARLY_START = datetime.timedelta(hours=2)  # a punch this long before a shift starts belongs to it
LOOKBACK = datetime.timedelta(days=7)  # sessions older than this were closed by earlier runs

OPEN_KINDS = {PunchKind.IN, PunchKind.BREAK_START, PunchKind.BREAK_END}


def punches_between(
    *,
    start: datetime.datetime,
    end: datetime.datetime,
    user_ids: Iterable[uuid.UUID] | None = None,
    include_superseded: bool = False,
) -> QuerySet[Punch]:
    """Punches with `start <= at < end`, ordered by person then time (effective ones unless asked)."""
    punches = Punch.objects.filter(at__gte=start, at__lt=end).select_related("workplace")
    if user_ids is not None:
        punches = punches.filter(user_id__in=list(user_ids))
    if not include_superseded:
        punches = punches.filter(superseded_by__isnull=True)
    return punches.order_by("user_id", "at", "id")


def last_punches(*, user_ids: Iterable[uuid.UUID] | None = None) -> dict[uuid.UUID, Punch]:
    """Each person's latest effective punch (one query: DISTINCT ON user)."""
    punches = Punch.objects.filter(superseded_by__isnull=True).select_related("workplace")
    if user_ids is not None:
        punches = punches.filter(user_id__in=list(user_ids))
    latest = punches.order_by("user_id", "-at", "-id").distinct("user_id")
    return {punch.user_id: punch for punch in latest}


def clocked_in_now(*, user_ids: Iterable[uuid.UUID] | None = None) -> dict[uuid.UUID, Punch]:
    """The people whose latest effective punch leaves them in (or on a break), with that punch."""
    return {user_id: punch for user_id, punch in last_punches(user_ids=user_ids).items() if punch.kind in OPEN_KINDS}


def previous_punch(*, user: Any, located: bool = False) -> Punch | None:
    """The person's latest effective punch (or latest one with a position)."""
    punches = Punch.objects.filter(user=user, superseded_by__isnull=True)
    if located:
        punches = punches.filter(lat__isnull=False)
    return punches.order_by("-at", "-id").first()


def policy_for(site: Workplace | None) -> PunchPolicy:
    """The site's policy, else the organisation's default row, else the built-in default (one query)."""
    policies = PunchPolicy.objects.filter(
        Q(workplace__isnull=True) | Q(workplace=site) if site else Q(workplace__isnull=True)
    )
    found = policies.order_by(F("workplace_id").asc(nulls_last=True)).first()
    return found if found is not None else PunchPolicy()


def current_shifts(
    *, user_ids: Iterable[Any], at: datetime.datetime, early: datetime.timedelta = EARLY_START
) -> dict[Any, Any]:
    """Each person's published shift going on at `at` (or starting within `early` after it)."""
    found: dict[Any, Any] = {}
    shifts = roster_selectors.shifts_between(start=at, end=at + early, user_ids=list(user_ids))
    for shift in shifts.order_by("starts_at"):
        found.setdefault(shift.user_id, shift)
    return found


def current_shift(*, user: Any, at: datetime.datetime) -> Shift | None:
    """The person's published shift going on at `at`, or starting soon after (one query)."""
    return current_shifts(user_ids=[user.pk], at=at).get(user.pk)


def current_shift_place(*, user: Any, at: datetime.datetime) -> tuple[int, int] | None:
    """`current_shift` as (shift id, workplace id), without loading the rows (a punch needs no more)."""
    shifts = roster_selectors.shifts_between(start=at, end=at + EARLY_START, user_ids=[user.pk])
    return shifts.values_list("pk", "workplace_id").first()  # type: ignore[return-value]


def shift_workplace(*, workplace_id: int | None) -> Workplace | None:
    """The active site with this id (of a shift or an open session), with its geofence."""
    if workplace_id is None:
        return None
    return Workplace.objects.select_related("geofence").filter(pk=workplace_id, is_active=True,
                                                               kind=Workplace.Kind.SITE).first()  # fmt: skip


def sessions_to_close(*, now: datetime.datetime, limit: int = 1000) -> list[tuple[Punch, datetime.datetime]]:
    """Open sessions past their limit, each as (its latest punch, when it should have ended): the
    policy's maximum shift length after the session's "in", or the rostered shift's scheduled end once
    the policy's overrun has passed. A handful of queries, whatever the number of people."""
    recent = Punch.objects.filter(superseded_by__isnull=True, at__gte=now - LOOKBACK)
    latest = [p for p in recent.select_related("user", "workplace").order_by("user_id", "-at", "-id")
              .distinct("user_id") if p.kind in OPEN_KINDS]  # fmt: skip
    if not latest:
        return []
    user_ids = [p.user_id for p in latest]
    ins = {p.user_id: p for p in recent.filter(kind=PunchKind.IN, user_id__in=user_ids)
           .order_by("user_id", "-at", "-id").distinct("user_id")}  # fmt: skip
    policies = {p.workplace_id: p for p in PunchPolicy.objects.all()}
    default = policies.get(None) or PunchPolicy()
    due: list[tuple[Punch, datetime.datetime]] = []
    for punch in latest:
        started = ins.get(punch.user_id, punch)
        policy = policies.get(punch.workplace_id, default)
        ends = [started.at + datetime.timedelta(hours=policy.max_shift_hours)]
        shift = current_shifts(user_ids=[punch.user_id], at=started.at).get(punch.user_id)
        if shift is not None and shift.ends_at + datetime.timedelta(minutes=policy.max_overrun_minutes) <= now:
            ends.append(max(shift.ends_at, punch.at))
        end = min(ends)
        if end <= now:
            due.append((punch, max(end, punch.at)))
    return due[:limit]


def punch_list(
    *,
    user_ids: Iterable[Any] | None = None,
    user: str = "",
    workplace: str = "",
    flagged: bool | None = None,
    needs_review: bool | None = None,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
) -> QuerySet[Punch]:
    """Effective punches for lists (with their site), filtered; `user_ids` None: everyone's."""
    punches = Punch.objects.filter(superseded_by__isnull=True).select_related("workplace")
    if user_ids is not None:
        punches = punches.filter(user_id__in=list(user_ids))
    if user:
        try:
            punches = punches.filter(user_id=uuid.UUID(user))
        except ValueError:
            return punches.none()
    if workplace:
        punches = punches.filter(workplace__code=workplace.upper())
    if flagged is not None:
        punches = punches.exclude(flags=[]) if flagged else punches.filter(flags=[])
    if needs_review is not None:
        punches = punches.filter(needs_review=needs_review)
    if start is not None:
        punches = punches.filter(at__gte=start)
    if end is not None:
        punches = punches.filter(at__lt=end)
    return punches


MISSING_AFTER = datetime.timedelta(minutes=30)  # a shift is judged this long after its end
MISSING_WINDOW = datetime.timedelta(days=2)  # shifts that ended earlier were judged by earlier runs


def missing_punches_found(*, now: datetime.datetime) -> list[tuple[Shift, str]]:
    """(shift, "in"/"out") for published shifts that ended between two days and 30 minutes ago with no
    clock-in of the person from two hours before the start to the end, or no clock-out (other than an
    automatic one) by 30 minutes after the end. Two queries, whatever the number of shifts."""
    shifts = list(roster_selectors.shifts_between(start=now - MISSING_WINDOW, end=now - MISSING_AFTER)
                  .filter(ends_at__gt=now - MISSING_WINDOW, ends_at__lte=now - MISSING_AFTER))  # fmt: skip
    if not shifts:
        return []
    start = min(shift.starts_at for shift in shifts) - EARLY_START
    end = max(shift.ends_at for shift in shifts) + MISSING_AFTER
    punches: dict[Any, list[Punch]] = {}
    for punch in punches_between(start=start, end=end, user_ids={shift.user_id for shift in shifts}):
        punches.setdefault(punch.user_id, []).append(punch)
    found: list[tuple[Shift, str]] = []
    for shift in shifts:
        mine = punches.get(shift.user_id, [])
        clocked_in = any(p.kind == PunchKind.IN and shift.starts_at - EARLY_START <= p.at < shift.ends_at for p in mine)
        if not clocked_in:
            found.append((shift, PunchKind.IN))
            continue
        late = shift.ends_at + MISSING_AFTER
        if not any(p.kind == PunchKind.OUT and p.source != "auto" and shift.starts_at <= p.at < late for p in mine):
            found.append((shift, PunchKind.OUT))
    return found
