"""The day arithmetic (computation.py) on plain objects: no database."""

import datetime
import itertools
import zoneinfo
from types import SimpleNamespace

from apps.attendance.computation import day_compute, shift_for

SYD = zoneinfo.ZoneInfo("Australia/Sydney")
DAY = datetime.date(2026, 12, 7)
IDS = itertools.count(1)


def at(hour: int, minute: int = 0, day: datetime.date = DAY, zone: zoneinfo.ZoneInfo = SYD) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), zone)


def shift(start: datetime.datetime, end: datetime.datetime, *, unpaid: int = 30, paid: int = 0, grace: int = 5):
    minutes = int((end.astimezone(datetime.UTC) - start.astimezone(datetime.UTC)).total_seconds() // 60) - unpaid
    return SimpleNamespace(id=next(IDS), starts_at=start, ends_at=end, unpaid_break_minutes=unpaid,
                           paid_break_minutes=paid, late_grace_minutes=grace, scheduled_minutes=minutes,
                           workplace_id=1, local_date=start.astimezone(SYD).date())  # fmt: skip


def punch(kind: str, moment: datetime.datetime, **extra):
    values = {"id": next(IDS), "kind": kind, "at": moment, "workplace_id": 1, "verdict": "inside", "flags": [],
              "needs_review": False, "source": "mobile", "shift_id": None}  # fmt: skip
    return SimpleNamespace(**{**values, **extra})


LATER = at(23, 59) + datetime.timedelta(days=2)


def compute(shifts, punches, leave=None, now=LATER):
    over = max([s.ends_at for s in shifts] or [at(23, 59)]) + datetime.timedelta(hours=4)
    return day_compute(shifts=shifts, punches=punches, leave=leave, now=now, day_over_at=over)


def test_on_time_day_takes_the_rostered_unpaid_break():
    day = shift(at(9), at(17, 30))
    result = compute([day], [punch("in", at(8, 58)), punch("out", at(17, 31))])
    assert (result.status, result.scheduled_minutes, result.worked_minutes) == ("present", 480, 483)
    assert (result.late_minutes, result.early_leave_minutes, result.unpaid_break_minutes) == (0, 0, 30)
    assert result.overtime_candidate_minutes == 3


def test_late_within_grace_is_on_time_and_after_grace_counts_from_the_start():
    day = shift(at(9), at(17, 30), grace=5)
    assert compute([day], [punch("in", at(9, 5)), punch("out", at(17, 30))]).status == "present"
    late = compute([day], [punch("in", at(9, 12)), punch("out", at(17, 30))])
    assert (late.status, late.late_minutes) == ("late", 12)


def test_early_leave_makes_a_partial_day():
    result = compute([shift(at(9), at(17, 30))], [punch("in", at(9)), punch("out", at(16))])
    assert (result.status, result.early_leave_minutes) == ("partial", 90)


def test_absent_once_the_shift_is_over_and_scheduled_before():
    day = shift(at(9), at(17, 30))
    assert compute([day], []).status == "absent"
    assert compute([day], [], now=at(8)).status == "scheduled"


def test_on_leave_whole_day_and_off_without_a_shift():
    leave = SimpleNamespace(type_code="annual", type_name="Annual leave", minutes=None, paid=True)
    result = compute([shift(at(9), at(17, 30))], [], leave=leave)
    assert (result.status, result.leave_type, result.leave_minutes) == ("on_leave", "annual", 480)
    assert compute([], []).status == "off"
    assert compute([], [], leave=leave).status == "on_leave"


def test_break_punches_replace_the_rostered_break_and_paid_break_counts_as_work():
    day = shift(at(9), at(17, 30), unpaid=30, paid=15)
    punches = [
        punch("in", at(9)),
        punch("break_start", at(12)),
        punch("break_end", at(12, 45)),
        punch("out", at(17, 30)),
    ]
    result = compute([day], punches)
    assert result.unpaid_break_minutes == 30  # 45 min away, 15 of them paid
    assert result.worked_minutes == 510 - 30


def test_in_without_out_is_a_missing_punch_once_the_day_is_over():
    day = shift(at(9), at(17, 30))
    result = compute([day], [punch("in", at(9))])
    assert "missing_punch" in result.flags and result.status == "partial" and result.worked_minutes == 0
    running = compute([day], [punch("in", at(9))], now=at(12))
    assert "missing_punch" not in running.flags and running.status == "present"


def test_flags_from_punches():
    punches = [punch("in", at(9), verdict="outside", needs_review=True), punch("out", at(17, 30), source="correction")]
    result = compute([shift(at(9), at(17, 30))], punches)
    assert result.flags == ["corrected", "needs_review", "outside_fence"]


def test_unscheduled_work_counts_all_as_overtime_candidate():
    result = compute([], [punch("in", at(10)), punch("out", at(12))])
    assert (result.status, result.worked_minutes, result.overtime_candidate_minutes) == ("unscheduled_work", 120, 120)


def test_overnight_shift_across_the_dst_start_in_sydney():
    """Sydney moves its clocks forward at 02:00 on 4 Oct 2026: 22:00 → 06:00 lasts 7 hours."""
    night = datetime.date(2026, 10, 3)
    start, end = at(22, day=night), at(6, day=night + datetime.timedelta(days=1))
    overnight = shift(start, end, unpaid=30)
    assert overnight.scheduled_minutes == 7 * 60 - 30 and overnight.local_date == night
    result = compute([overnight], [punch("in", start), punch("out", end)])
    assert (result.status, result.worked_minutes, result.scheduled_minutes) == ("present", 390, 390)


def test_punches_match_the_shift_window_nearest_start():
    early, late = shift(at(6), at(10), unpaid=0), shift(at(11), at(15), unpaid=0)
    assert shift_for(punch("in", at(10, 50)), [early, late]) is late
    assert shift_for(punch("out", at(13, 59)), [early, late]) is late
    assert shift_for(punch("in", at(3)), [early, late]) is None


def test_the_hash_follows_the_result_only():
    day = shift(at(9), at(17, 30))
    one = compute([day], [punch("in", at(9)), punch("out", at(17, 30))])
    two = compute([day], [punch("in", at(9)), punch("out", at(17, 30))])
    assert one.digest() == two.digest()
    two.worked_minutes += 1
    assert one.digest() != two.digest()
