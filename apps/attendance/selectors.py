"""Reads of attendance: records, exceptions, the live board, corrections and overtime, each narrowed
to what the caller may see (`visible`: None for everyone, else a set of user ids; access.py)."""

import datetime
import uuid
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import User
from apps.approvals.models import ApprovalEvent, ApprovalRequest
from apps.leave.selectors import leave_days
from apps.organisation.models import MemberProfile
from apps.rosters.selectors import shifts_between
from apps.timeclock.selectors import clocked_in_now, punches_between
from apps.workplaces.models import Workplace

from .computation import BEFORE_START, OUTSIDE_VERDICTS
from .models import EXCEPTION_STATUSES, AttendanceCorrection, AttendanceRecord, OvertimeRecord

RECORD_RELATED = ("user", "workplace")


def _visible(rows: QuerySet[Any], visible: set[uuid.UUID] | None) -> QuerySet[Any]:
    return rows if visible is None else rows.filter(user_id__in=visible)


def records_list(
    *, visible: set[uuid.UUID] | None, start: datetime.date | None = None, end: datetime.date | None = None,
    workplace: Any = None, user_id: Any = None, status: str = "",
) -> QuerySet[AttendanceRecord]:  # fmt: skip
    rows = _visible(AttendanceRecord.objects.select_related(*RECORD_RELATED), visible)
    if start:
        rows = rows.filter(date__gte=start)
    if end:
        rows = rows.filter(date__lte=end)
    if workplace is not None:
        rows = rows.filter(workplace=workplace)
    if user_id:
        rows = rows.filter(user_id=user_id)
    if status:
        rows = rows.filter(status=status)
    return rows


EXCEPTION_KINDS = [*EXCEPTION_STATUSES, "missing_punch", "outside_fence", "auto_clock_out", "needs_review", "corrected"]


def exceptions_list(*, kind: str = "", **filters: Any) -> QuerySet[AttendanceRecord]:
    """Records that need a look: late, absent or partial, or with any flag; `kind` narrows to one."""
    rows = records_list(**filters)
    if kind in EXCEPTION_STATUSES:
        return rows.filter(status=kind)
    if kind:
        return rows.filter(flags__contains=[kind])
    return rows.filter(Q(status__in=EXCEPTION_STATUSES) | ~Q(flags=[]))


# --- The live board --------------------------------------------------------------------------------

BOARD_STATUSES = ["in", "on_break", "outside_fence", "late", "absent", "on_leave", "not_started", "clocked_out"]
BOARD_LABELS = {
    "in": "In", "on_break": "On a break", "outside_fence": "Outside the fence", "late": "Late", "absent": "Absent",
    "on_leave": "On leave", "not_started": "Not started", "clocked_out": "Clocked out",
}  # fmt: skip


@dataclass
class BoardRow:
    user: Any
    status: str
    workplace: Any = None

    @property
    def status_label(self) -> str:
        return BOARD_LABELS.get(self.status, self.status)

    shift: Any = None
    since: datetime.datetime | None = None
    verdict: str = ""
    distance_m: float | None = None
    leave_type: str = ""


def _today_shifts(now: datetime.datetime, visible: set[uuid.UUID] | None) -> list[Any]:
    """Published shifts of each workplace's local today, and those going on now (a night shift that
    began before local midnight is still tonight's work), in one query."""
    ids = list(visible) if visible is not None else None
    around = shifts_between(
        start=now - datetime.timedelta(hours=36), end=now + datetime.timedelta(hours=36), user_ids=ids
    )
    return [
        s
        for s in around
        if s.local_date == now.astimezone(zoneinfo.ZoneInfo(s.workplace.time_zone)).date()
        or s.starts_at <= now < s.ends_at
    ]


def _row_status(shift: Any, last: Any, had_in: bool, on_leave: bool, now: datetime.datetime) -> str:
    if last is not None and last.kind in ("in", "break_end"):
        return "outside_fence" if last.verdict in OUTSIDE_VERDICTS else "in"
    if last is not None and last.kind == "break_start":
        return "on_break"
    if on_leave:
        return "on_leave"
    if had_in:
        return "clocked_out"
    if shift is None:
        return "clocked_out"
    if now >= shift.ends_at:
        return "absent"
    grace = datetime.timedelta(minutes=shift.late_grace_minutes)
    return "late" if now >= shift.starts_at + grace else "not_started"


def board(*, visible: set[uuid.UUID] | None, now: datetime.datetime | None = None, workplace: Any = None,
          status: str = "") -> tuple[list[BoardRow], dict[str, int]]:  # fmt: skip
    """Today per person rostered today or clocked in now: (rows, counts per status). Five queries
    whatever the number of people; the counts come from the same rows (the status filter applies
    to the rows only, the workplace filter to both)."""
    now = now or timezone.now()
    shifts = _today_shifts(now, visible)
    first_shift: dict[Any, Any] = {}
    for shift in sorted(shifts, key=lambda s: s.starts_at):
        first_shift.setdefault(shift.user_id, shift)
    current = clocked_in_now(user_ids=list(visible) if visible is not None else None)
    user_ids = set(first_shift) | set(current)
    rows = _board_rows(user_ids, first_shift, current, now) if user_ids else []
    if workplace is not None:
        rows = [row for row in rows if row.workplace is not None and row.workplace.pk == workplace.pk]
    counts = Counter(row.status for row in rows)
    rows = [row for row in rows if not status or row.status == status]
    rows.sort(key=lambda r: (BOARD_STATUSES.index(r.status), (r.user.full_name or r.user.email).lower()))
    return rows, {name: counts.get(name, 0) for name in BOARD_STATUSES}


def _board_rows(user_ids: set, first_shift: dict, current: dict, now: datetime.datetime) -> list[BoardRow]:
    starts = [s.starts_at - BEFORE_START for s in first_shift.values()] or [now - datetime.timedelta(hours=24)]
    last: dict[Any, Any] = dict(current)  # the open punch wins; else the day's latest
    had_in: set[Any] = set()
    for seen in punches_between(start=min(starts), end=now + datetime.timedelta(minutes=1), user_ids=user_ids):
        last[seen.user_id] = current.get(seen.user_id, seen)
        had_in.update([seen.user_id] if seen.kind == "in" else [])
    today = timezone.localdate(now)
    leave = leave_days(
        user_ids=list(user_ids), start=today - datetime.timedelta(days=1), end=today + datetime.timedelta(days=1)
    )
    users = User.objects.in_bulk(list(user_ids))
    rows = []
    for user_id in user_ids:
        shift, punch = first_shift.get(user_id), last.get(user_id)  # the latest punch (or the open one)
        day = shift.local_date if shift is not None else today
        away = leave.get((user_id, day))
        rows.append(BoardRow(
            user=users.get(user_id), shift=shift,
            status=_row_status(shift, punch, user_id in had_in, away is not None, now),
            workplace=(punch.workplace if punch is not None and punch.workplace_id else None)
            or (shift.workplace if shift else None),
            since=punch.at if punch is not None else None, verdict=punch.verdict if punch is not None else "",
            distance_m=punch.distance_m if punch is not None else None, leave_type=away.type_name if away else "",
        ))  # fmt: skip
    return [row for row in rows if row.user is not None]


# --- Corrections -----------------------------------------------------------------------------------


def corrections_list(
    *, visible: set[uuid.UUID] | None, status: str = "", user_id: Any = None
) -> QuerySet[AttendanceCorrection]:
    rows = _visible(AttendanceCorrection.objects.select_related("user", "requested_by", "decided_by"), visible)
    if status:
        rows = rows.filter(status=status)
    if user_id:
        rows = rows.filter(user_id=user_id)
    return rows


def correction_get(*, visible: set[uuid.UUID] | None, pk: Any) -> AttendanceCorrection:
    try:
        found = corrections_list(visible=visible).filter(pk=uuid.UUID(str(pk))).first()
    except ValueError:
        found = None
    if found is None:
        raise Http404("No such correction in this organisation.")
    return found


DECIDING_ACTIONS = {"approved": ("approved", "auto_approved"), "rejected": ("rejected", "auto_rejected"),
                    "cancelled": ("cancelled",)}  # fmt: skip


def approval_decision(request: ApprovalRequest, outcome: str) -> tuple[Any, str]:
    """(who decided, their comment) from the approval's trail; (None, "") for the system."""
    event = (
        ApprovalEvent.objects.filter(request=request, action__in=DECIDING_ACTIONS.get(outcome, ()))
        .select_related("actor").order_by("-created_at", "-pk").first()
    )  # fmt: skip
    return (event.actor, event.comment) if event is not None else (None, "")


# --- Overtime --------------------------------------------------------------------------------------

WEIGHTED = ExpressionWrapper(F("minutes") * F("multiplier"), output_field=DecimalField(max_digits=14, decimal_places=2))


def overtime_list(
    *, visible: set[uuid.UUID] | None, start: datetime.date | None = None, end: datetime.date | None = None,
    status: str = "", user_id: Any = None, workplace: Any = None,
) -> QuerySet[OvertimeRecord]:  # fmt: skip
    rows = _visible(OvertimeRecord.objects.select_related("user", "workplace"), visible)
    if start:
        rows = rows.filter(date__gte=start)
    if end:
        rows = rows.filter(date__lte=end)
    if status:
        rows = rows.filter(status=status)
    if user_id:
        rows = rows.filter(user_id=user_id)
    if workplace is not None:
        rows = rows.filter(workplace=workplace)
    return rows


def overtime_totals(rows: QuerySet[OvertimeRecord]) -> list[dict[str, Any]]:
    """Per person (and status): minutes and weighted minutes, one grouped query."""
    grouped = (
        rows.order_by().values("user_id", "user__email", "user__full_name", "status")
        .annotate(minutes_total=Sum("minutes"), weighted_total=Sum(WEIGHTED))
        .order_by("user__full_name", "user__email", "status")
    )  # fmt: skip
    return [{**row, "weighted_total": row["weighted_total"] or Decimal("0")} for row in grouped]


CSV_HEADER = ["person", "email", "employee_id", "date", "workplace", "reason", "minutes", "multiplier",
              "weighted_minutes", "status"]  # fmt: skip


def overtime_csv_rows(rows: QuerySet[OvertimeRecord]) -> Iterator[list[Any]]:
    """The payroll export, row by row from a server-side cursor (nothing is loaded whole)."""
    employee = MemberProfile.objects.filter(user_id=OuterRef("user_id")).values("employee_code")[:1]
    rows = rows.annotate(employee_code=Subquery(employee)).order_by("date", "user_id", "reason")
    yield CSV_HEADER
    for row in rows.iterator(chunk_size=2000):
        yield [row.user.full_name, row.user.email, row.employee_code or "", row.date.isoformat(),
               row.workplace.code if row.workplace else "", row.reason, row.minutes, row.multiplier,
               row.weighted_minutes, row.status]  # fmt: skip


def workplace_choices() -> QuerySet[Workplace]:
    return Workplace.objects.sites().active().order_by("name")


def user_ids_of(rows: Iterable[Any]) -> set[Any]:
    return {row.user_id for row in rows}
