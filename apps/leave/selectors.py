"""Reads on leave: approved leave per person and day (the contract attendance and rosters use), balances.

`leave_days` is one query over the requests that hold days in the range; each request keeps the
working minutes it counted per day (`day_minutes`), so a day's minutes come from the request itself.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from apps.approvals.models import ApprovalRequest
from apps.organisation.models import Entity, EntityMembership, MemberProfile
from apps.organisation.selectors import profile_for_user, profiles_in_subtree
from apps.rosters.selectors import shifts_between
from apps.workplaces.public_holidays import holidays_between

from .accrual import Existing, planned_entries
from .models import (
    DEFAULT_MINUTES_PER_DAY,
    HOLDING_STATUSES,
    KIND,
    TAKEN_STATUSES,
    LeaveLedgerEntry,
    LeavePolicy,
    LeavePolicyAssignment,
    LeaveRequest,
    LeaveType,
)


@dataclass(frozen=True)
class LeaveDay:
    """Approved leave of one person on one day. `minutes` None means the whole day."""

    type_code: str
    type_name: str
    minutes: int | None
    paid: bool


def _days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    return [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]


def requests_holding(
    *, start: datetime.date, end: datetime.date, statuses: tuple[str, ...] = TAKEN_STATUSES, user_ids: Any = None
) -> QuerySet[LeaveRequest]:
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


# --- Who is covered by which policy -----------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """A person's policy for one leave type and where it starts (pro-rata from `starts_on`)."""

    user_id: Any
    policy: LeavePolicy
    assignment: LeavePolicyAssignment
    starts_on: datetime.date


def _profiles_paths(user_ids: Any) -> dict[Any, list[str]]:
    rows = EntityMembership.objects.all()
    if user_ids is not None:
        rows = rows.filter(profile__user_id__in=list(user_ids))
    paths: dict[Any, list[str]] = {}
    for user_id, path in rows.values_list("profile__user_id", "entity__path"):
        paths.setdefault(user_id, []).append(path)
    return paths


def coverage_for(*, user_ids: Any = None) -> list[Coverage]:
    """Every (person, leave type) a policy covers: the person's own assignment wins over an entity's,
    a deeper entity over a higher one. A constant number of queries whatever the number of people."""
    wanted = None if user_ids is None else set(user_ids)
    rows = LeavePolicyAssignment.objects.select_related(
        "policy__leave_type", "policy__work_pattern", "entity", "work_pattern", "home_workplace"
    )
    if wanted is not None:  # the people asked for, and every entity assignment (few)
        rows = rows.filter(Q(user_id__in=list(wanted)) | Q(entity__isnull=False))
    assignments = list(rows)
    personal = [a for a in assignments if a.user_id is not None]
    by_entity = sorted(
        (a for a in assignments if a.entity is not None), key=lambda a: -len(a.entity.path if a.entity else "")
    )
    chosen: dict[tuple[Any, int], LeavePolicyAssignment] = {}
    for assignment in personal:
        if wanted is None or assignment.user_id in wanted:
            chosen[(assignment.user_id, assignment.policy.leave_type_id)] = assignment
    if by_entity:
        for user_id, paths in _profiles_paths(user_ids).items():
            for assignment in by_entity:  # deepest first
                key = (user_id, assignment.policy.leave_type_id)
                if key in chosen and chosen[key].user_id is not None:
                    continue
                if (
                    key not in chosen
                    and assignment.entity is not None
                    and any(path.startswith(assignment.entity.path) for path in paths)
                ):
                    chosen[key] = assignment
    found = []
    for (user_id, _type_id), assignment in chosen.items():
        starts_on = max(assignment.starts_on, assignment.person_start_date or assignment.starts_on)
        found.append(Coverage(user_id, assignment.policy, assignment, starts_on))
    return found


def coverage_of(user: Any, leave_type: LeaveType) -> Coverage | None:
    for coverage in coverage_for(user_ids=[getattr(user, "pk", user)]):
        if coverage.policy.leave_type_id == leave_type.pk:
            return coverage
    return None


# --- Working time ----------------------------------------------------------------------------------


def _pattern_and_workplace(user: Any) -> tuple[Any, Any]:
    """The person's working pattern and home workplace from their assignments (a person's first)."""
    user_id = getattr(user, "pk", user)
    coverages = sorted(coverage_for(user_ids=[user_id]), key=lambda c: c.assignment.user_id is None)
    pattern = workplace = None
    for coverage in coverages:
        pattern = pattern or coverage.assignment.work_pattern or coverage.policy.work_pattern
        workplace = workplace or coverage.assignment.home_workplace
    return pattern, workplace


def working_minutes(*, user: Any, start: datetime.date, end: datetime.date) -> tuple[dict[datetime.date, int], Any]:
    """Working minutes per day from `start` to `end` (both included) and the workplace whose holidays apply.

    With published shifts in the range (apps.rosters), the shifts decide: a day's minutes are its
    shifts' scheduled minutes and a day without a shift is off. Without shifts, the person's working
    pattern (Monday to Friday, 7.6 hours, unless a policy or assignment names another) without the
    public holidays of their home workplace."""
    user_id = getattr(user, "pk", user)
    pattern, workplace = _pattern_and_workplace(user)
    first = datetime.datetime.combine(start - datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC)
    last = datetime.datetime.combine(end + datetime.timedelta(days=2), datetime.time.min, tzinfo=datetime.UTC)
    shifts = [s for s in shifts_between(start=first, end=last, user_ids=[user_id]) if start <= s.local_date <= end]
    days = _days(start, end)
    if shifts:
        per_day = dict.fromkeys(days, 0)
        for shift in shifts:
            per_day[shift.local_date] += max(0, shift.scheduled_minutes)
        return per_day, workplace or shifts[0].workplace
    holidays = holidays_between(workplace, start, end) if workplace is not None else {}
    per_day = {}
    for day in days:
        if day in holidays:
            per_day[day] = 0
        elif pattern is not None:
            per_day[day] = pattern.minutes_on(day)
        else:
            per_day[day] = DEFAULT_MINUTES_PER_DAY if day.weekday() < 5 else 0
    return per_day, workplace


# --- Balances --------------------------------------------------------------------------------------


def _existing(user_id: Any, leave_type_id: int) -> list[Existing]:
    rows = LeaveLedgerEntry.objects.filter(user_id=user_id, leave_type_id=leave_type_id).values_list(
        "kind", "minutes", "effective_on", "idempotency_key"
    )
    return [Existing(*row) for row in rows]


def balance_on(*, user: Any, leave_type: LeaveType, on: datetime.date) -> int:
    """Projection: the balance on `on`, with the accruals, carry-overs and expiries the policy will
    give up to that day but the ledger does not hold yet (pure computation, no writes)."""
    user_id = getattr(user, "pk", user)
    existing = _existing(user_id, leave_type.pk)
    total = sum(row.minutes for row in existing if row.effective_on <= on)
    coverage = coverage_of(user_id, leave_type)
    if coverage is not None and coverage.policy.is_active:
        planned = planned_entries(
            user_id=user_id,
            leave_type_id=leave_type.pk,
            policy=coverage.policy,
            starts_on=coverage.starts_on,
            until=on,
            existing=existing,
        )
        total += sum(entry.minutes for entry in planned)
    return total


def pending_minutes(*, user: Any, leave_type: LeaveType) -> int:
    rows = LeaveRequest.objects.filter(user_id=getattr(user, "pk", user), leave_type=leave_type, status="pending")
    return int(rows.aggregate(total=Sum("minutes"))["total"] or 0)


def balance_available(*, user: Any, leave_type: LeaveType, on: datetime.date) -> tuple[int, int]:
    """(What a new request ending on `on` may use, how far below zero the policy allows): the projected
    balance on that day, less leave already taken after it and the minutes pending requests hold."""
    user_id = getattr(user, "pk", user)
    later_takes = LeaveLedgerEntry.objects.filter(
        user_id=user_id, leave_type=leave_type, effective_on__gt=on, kind__in=["taken", "cancellation"]
    )
    later = int(later_takes.aggregate(total=Sum("minutes"))["total"] or 0)
    available = balance_on(user=user_id, leave_type=leave_type, on=on) + min(0, later)
    available -= pending_minutes(user=user_id, leave_type=leave_type)
    coverage = coverage_of(user_id, leave_type)
    limit = int(coverage.policy.negative_limit_minutes) if coverage is not None else 0
    return available, limit


@dataclass
class Balance:
    leave_type: LeaveType
    minutes: int  # the ledger up to today
    booked_minutes: int  # ledger movements dated after today (approved leave ahead, returns)
    pending_minutes: int
    projected_minutes: int | None = None

    @property
    def days(self) -> float:
        return round(self.minutes / self.leave_type.minutes_per_day, 2)


def balances_for(*, user: Any, on: datetime.date | None = None, today: datetime.date | None = None) -> list[Balance]:
    """The person's balance of every active type they have a policy or ledger for (a few queries)."""
    user_id = getattr(user, "pk", user)
    today = today or timezone.localdate()
    covered = {c.policy.leave_type_id for c in coverage_for(user_ids=[user_id])}
    sums: dict[int, int] = {}
    future: dict[int, int] = {}
    for type_id, effective_on, minutes in LeaveLedgerEntry.objects.filter(user_id=user_id).values_list(
        "leave_type_id", "effective_on", "minutes"
    ):
        if effective_on <= today:
            sums[type_id] = sums.get(type_id, 0) + minutes
        else:
            future[type_id] = future.get(type_id, 0) + minutes
    pending: dict[int, int] = {}
    for type_id, minutes in LeaveRequest.objects.filter(user_id=user_id, status="pending").values_list(
        "leave_type_id", "minutes"
    ):
        pending[type_id] = pending.get(type_id, 0) + minutes
    types = LeaveType.objects.filter(Q(pk__in=covered | set(sums) | set(future)), is_active=True)
    found = []
    for leave_type in types:
        balance = Balance(
            leave_type, sums.get(leave_type.pk, 0), future.get(leave_type.pk, 0), pending.get(leave_type.pk, 0)
        )
        if on is not None:
            balance.projected_minutes = balance_on(user=user_id, leave_type=leave_type, on=on)
        found.append(balance)
    return found


def approval_request_of(leave_request: LeaveRequest) -> ApprovalRequest | None:
    rows = ApprovalRequest.objects.filter(kind=KIND, subject_id=str(leave_request.pk))
    return rows.order_by("-created_at").first()


# --- Teams and the calendar ------------------------------------------------------------------------


def team_user_ids(user: Any) -> list[Any]:
    """The people reporting to `user` at any depth (one query, from the reporting path); [] for a
    person without reports or without a profile."""
    profile = profile_for_user(user)
    if profile is None or not profile.reporting_path:
        return []
    below = MemberProfile.objects.filter(reporting_path__startswith=f"{profile.reporting_path}").exclude(pk=profile.pk)
    return list(below.values_list("user_id", flat=True))


def entity_user_ids(entity: Entity) -> list[Any]:
    return list(MemberProfile.objects.filter(profiles_in_subtree(entity)).values_list("user_id", flat=True))


@dataclass
class CalendarRow:
    user_id: Any
    name: str
    days: dict[str, dict[str, Any]]


def month_bounds(month: str) -> tuple[datetime.date, datetime.date]:
    """ "YYYY-MM" → its first and last day (ValueError for anything else)."""
    year, number = (int(part) for part in month.split("-"))
    first = datetime.date(year, number, 1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return first, last


def team_calendar(
    *, start: datetime.date, end: datetime.date, user_ids: Any = None, workplace_id: int | None = None
) -> list[CalendarRow]:
    """Who is off each day from `start` to `end`: approved and pending leave (pending marked), one query
    whatever the number of people (the requests with their type and person joined)."""
    requests = requests_holding(start=start, end=end, statuses=HOLDING_STATUSES, user_ids=user_ids)
    if workplace_id is not None:
        requests = requests.filter(workplace_id=workplace_id)
    fields = ("user_id", "user__full_name", "user__email", "leave_type__code", "leave_type__colour", "status",
              "start_date", "end_date", "effective_end", "start_half", "end_half", "start_time", "day_minutes",
              "id")  # fmt: skip
    found = requests.order_by("user__full_name", "user_id", "start_date").values_list(*fields)
    rows: dict[Any, CalendarRow] = {}
    first, last = start.isoformat(), end.isoformat()
    for (user_id, full_name, email, code, colour, status, start_date, end_date, effective_end, start_half, end_half,
         start_time, day_minutes, pk) in found:  # fmt: skip
        row = rows.get(user_id)
        if row is None:
            row = rows[user_id] = CalendarRow(user_id, full_name or email, {})
        until = min(last, effective_end.isoformat())
        partial_days = {start_date.isoformat() if start_half else "", end_date.isoformat() if end_half else ""}
        for day, minutes in day_minutes.items():  # the working days the request counted (ISO dates sort as text)
            if first <= day <= until and minutes:
                partial = start_time is not None or day in partial_days
                row.days[day] = {"type": code, "colour": colour, "status": status,
                                 "minutes": int(minutes) if partial else None, "request_id": pk}  # fmt: skip
    return list(rows.values())
