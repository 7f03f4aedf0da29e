"""The arithmetic of one person's day, in plain Python (no queries): what `records_compute` writes.

Inputs are the shifts and punches the selectors of rosters and timeclock return (read by attribute),
already narrowed to one person; outputs are the record's fields and their hash. Rules:

- a punch belongs to the shift whose window (start - 2 h .. end + 4 h) contains it (the nearest start
  when windows overlap); a punch of no shift belongs to the workplace-local day it happened on;
- worked time is the sum of in → out sessions less unpaid breaks: recorded breaks (break_start →
  break_end) beyond the shifts' paid break minutes, or, without break punches, the shifts' scheduled
  unpaid break (capped by the time present);
- an "in" with no "out" counts nothing and, once the day's window is over, flags `missing_punch`;
- late: the first in after the first shift's start + grace (minutes counted from the start);
  early leave: the last out before the last shift's end.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

BEFORE_START = datetime.timedelta(hours=2)
AFTER_END = datetime.timedelta(hours=4)
OUTSIDE_VERDICTS = ("outside", "uncertain")


@dataclass
class DayResult:
    status: str
    workplace_id: int | None = None
    shift_ids: list[int] = field(default_factory=list)
    scheduled_minutes: int = 0
    worked_minutes: int = 0
    unpaid_break_minutes: int = 0
    late_minutes: int = 0
    early_leave_minutes: int = 0
    overtime_candidate_minutes: int = 0
    leave_type: str = ""
    leave_minutes: int = 0
    flags: list[str] = field(default_factory=list)
    first_in: datetime.datetime | None = None
    last_out: datetime.datetime | None = None

    def digest(self) -> str:
        values = dict(vars(self))  # shallow: asdict's deep copies cost more than the whole computation
        for name in ("first_in", "last_out"):
            values[name] = values[name].astimezone(datetime.UTC).isoformat() if values[name] else None
        return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def minutes(start: datetime.datetime, end: datetime.datetime) -> int:
    """Whole minutes from start to end (0 if end is earlier), in UTC: Python subtracts two times of the
    same zone as wall-clock times, which is wrong across a daylight-saving change."""
    return max(0, int((end.astimezone(datetime.UTC) - start.astimezone(datetime.UTC)).total_seconds() // 60))


def scheduled_minutes(shift: Any) -> int:
    """The shift's length less its unpaid break (rosters' `Shift.scheduled_minutes`, computed in UTC)."""
    return minutes(shift.starts_at, shift.ends_at) - int(shift.unpaid_break_minutes)


def shift_window(shift: Any) -> tuple[datetime.datetime, datetime.datetime]:
    return shift.starts_at - BEFORE_START, shift.ends_at + AFTER_END


def shift_for(punch: Any, shifts: list[Any]) -> Any:
    """The shift a punch belongs to (its own `shift_id` when it is one of them), or None."""
    by_id = {s.id: s for s in shifts}
    if getattr(punch, "shift_id", None) in by_id:
        return by_id[punch.shift_id]
    candidates = [s for s in shifts if shift_window(s)[0] <= punch.at < shift_window(s)[1]]
    return min(candidates, key=lambda s: abs(punch.at - s.starts_at), default=None)


def _sessions(punches: list[Any]) -> tuple[int, int, bool, list[Any]]:
    """(presence minutes, break minutes, an in left open, break punches) of punches in time order."""
    presence = breaks = 0
    opened: datetime.datetime | None = None
    break_from: datetime.datetime | None = None
    break_punches = []
    for punch in punches:
        if punch.kind == "in" and opened is None:
            opened = punch.at
        elif punch.kind == "out" and opened is not None:
            if break_from is not None:
                breaks += minutes(break_from, punch.at)
                break_from = None
            presence += minutes(opened, punch.at)
            opened = None
        elif punch.kind == "break_start" and opened is not None and break_from is None:
            break_from = punch.at
            break_punches.append(punch)
        elif punch.kind == "break_end" and break_from is not None:
            breaks += minutes(break_from, punch.at)
            break_from = None
            break_punches.append(punch)
    return presence, breaks, opened is not None, break_punches


def _flags(punches: list[Any], missing: bool) -> list[str]:
    flags = set()
    for punch in punches:
        codes = set(punch.flags or ())
        if punch.verdict in OUTSIDE_VERDICTS or "outside_fence" in codes or "uncertain_location" in codes:
            flags.add("outside_fence")
        if "auto_clock_out" in codes or punch.source == "auto":
            flags.add("auto_clock_out")
        if "missing_punch" in codes:
            flags.add("missing_punch")
        if punch.needs_review and not getattr(punch, "reviewed_at", None):
            flags.add("needs_review")
        if punch.source == "correction":
            flags.add("corrected")
    if missing:
        flags.add("missing_punch")
    return sorted(flags)


def _leave_minutes(leave: Any, scheduled: int) -> int:
    if leave is None:
        return 0
    return scheduled if leave.minutes is None else min(int(leave.minutes), scheduled or int(leave.minutes))


def day_compute(*, shifts: list[Any], punches: list[Any], leave: Any, now: datetime.datetime,
                day_over_at: datetime.datetime) -> DayResult:  # fmt: skip
    """One person's day: `shifts` of that day (starting order), `punches` that belong to it (time
    order), `leave` (a LeaveDay or None), `day_over_at` (when the day's last window closes)."""
    punches = sorted(punches, key=lambda p: (p.at, p.id or 0))
    ins = [p for p in punches if p.kind == "in"]
    outs = [p for p in punches if p.kind == "out"]
    presence, breaks, open_in, break_punches = _sessions(punches)
    scheduled = sum(scheduled_minutes(s) for s in shifts)
    paid_allowance = sum(int(s.paid_break_minutes) for s in shifts)
    scheduled_unpaid = sum(int(s.unpaid_break_minutes) for s in shifts)
    # Recorded breaks: the part beyond the paid allowance is unpaid; none: the roster's unpaid break.
    unpaid = max(0, breaks - paid_allowance) if break_punches else min(scheduled_unpaid, presence) if ins else 0
    worked = max(0, presence - unpaid)
    missing = open_in and now >= day_over_at
    result = DayResult(
        status="off", shift_ids=[s.id for s in shifts], scheduled_minutes=scheduled, worked_minutes=worked,
        unpaid_break_minutes=unpaid, flags=_flags(punches, missing),
        first_in=ins[0].at if ins else None, last_out=outs[-1].at if outs else None,
        workplace_id=shifts[0].workplace_id if shifts else next((p.workplace_id for p in punches if p.workplace_id),
                                                                None),
    )  # fmt: skip
    if result.first_in and result.last_out and result.last_out < result.first_in:
        result.last_out = None
    if leave is not None:
        result.leave_type, result.leave_minutes = leave.type_code, _leave_minutes(leave, scheduled)
    _timing(result, shifts, now)
    result.status = _status(result, shifts, punches, leave, now)
    expected = max(0, scheduled - result.leave_minutes)
    result.overtime_candidate_minutes = worked if not shifts else max(0, worked - expected)
    return result


def _timing(result: DayResult, shifts: list[Any], now: datetime.datetime) -> None:
    if not shifts:
        return
    first, last = shifts[0], shifts[-1]
    grace = datetime.timedelta(minutes=int(first.late_grace_minutes))
    if result.first_in is not None and result.first_in > first.starts_at + grace:
        result.late_minutes = minutes(first.starts_at, result.first_in)
    if result.last_out is not None and result.last_out < last.ends_at and "missing_punch" not in result.flags:
        result.early_leave_minutes = minutes(result.last_out, last.ends_at)


def _status(result: DayResult, shifts: list[Any], punches: list[Any], leave: Any, now: datetime.datetime) -> str:
    if not shifts:
        if punches:
            return "unscheduled_work"
        return "on_leave" if leave is not None else "off"
    if result.first_in is None:
        if leave is not None:
            return "on_leave"
        return "absent" if now >= shifts[-1].ends_at else "scheduled"
    if result.late_minutes:
        return "late"
    if result.early_leave_minutes or "missing_punch" in result.flags:
        return "partial"
    return "present"
