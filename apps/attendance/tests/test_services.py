"""Record computation, late notices, corrections through approvals, overtime: the services."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from apps.approvals.services import request_approve
from apps.attendance import services
from apps.attendance.models import AttendanceCorrection, AttendanceRecord, LateNotice, OvertimeRecord, OvertimeRule
from apps.notifications.models import Notification
from apps.timeclock.models import Punch
from apps.workplaces.models import Workplace

from .conftest import leave_day, local, punch_make, shift_make

DAY = datetime.date(2026, 12, 7)  # a Monday
AFTER = local(DAY, 23, 59) + datetime.timedelta(days=3)


def _codes(error: ValidationError) -> set[str]:
    return {str(item.code) for items in error.error_dict.values() for item in items}


def _record(user, day=DAY):
    return AttendanceRecord.objects.get(user=user, date=day)


def test_records_of_a_day_and_a_rerun_that_changes_nothing(team, django_assert_max_num_queries):
    with tenant_context(team.tenant):
        for user in (team.mia, team.sam, team.sue):
            shift_make(user, local(DAY, 9), local(DAY, 17, 30))
        punch_make(team.mia, "in", local(DAY, 9, 4))  # within the 5 minutes' grace
        punch_make(team.mia, "out", local(DAY, 17, 32))
        punch_make(team.sam, "in", local(DAY, 9, 20))
        punch_make(team.sam, "out", local(DAY, 16, 0))
        with django_assert_max_num_queries(8):
            counts = services.records_compute(DAY, now=AFTER)
        assert counts == {"created": 3, "changed": 0, "unchanged": 0}
        mia, sam, sue = _record(team.mia), _record(team.sam), _record(team.sue)
        assert (mia.status, mia.worked_minutes, mia.late_minutes, mia.scheduled_minutes) == ("present", 478, 0, 480)
        assert (sam.status, sam.late_minutes, sam.early_leave_minutes) == ("late", 20, 90)
        assert (sue.status, sue.worked_minutes) == ("absent", 0)
        computed_at = mia.computed_at
        assert services.records_compute(DAY, now=AFTER + datetime.timedelta(hours=1)) == {
            "created": 0, "changed": 0, "unchanged": 3}  # fmt: skip
        assert _record(team.mia).computed_at == computed_at


def test_leave_unscheduled_work_and_a_cancelled_shift(team, monkeypatch):
    with tenant_context(team.tenant):
        shift_make(team.mia, local(DAY, 9), local(DAY, 17, 30))
        cancelled = shift_make(team.sue, local(DAY, 9), local(DAY, 17, 30))
        punch_make(team.sam, "in", local(DAY, 10))
        punch_make(team.sam, "out", local(DAY, 12))
        monkeypatch.setattr(services, "leave_days", lambda **kw: {(team.mia.pk, DAY): leave_day()})
        services.records_compute(DAY, now=AFTER)
        assert (_record(team.mia).status, _record(team.mia).leave_type) == ("on_leave", "annual")
        assert (_record(team.sam).status, _record(team.sam).overtime_candidate_minutes) == ("unscheduled_work", 120)
        assert _record(team.sue).status == "absent"
        cancelled.status = "cancelled"
        cancelled.save()
        assert services.records_compute(DAY, now=AFTER)["changed"] == 1
        assert _record(team.sue).status == "off"


def test_break_punches_and_an_overnight_shift_across_the_dst_change(team):
    night = datetime.date(2026, 10, 3)  # Sydney's clocks go forward at 02:00 on the 4th
    with tenant_context(team.tenant):
        shift_make(team.sam, local(night, 22), local(night + datetime.timedelta(days=1), 6), unpaid=0)
        punch_make(team.sam, "in", local(night, 22))
        punch_make(team.sam, "break_start", local(night + datetime.timedelta(days=1), 1))
        punch_make(team.sam, "break_end", local(night + datetime.timedelta(days=1), 3, 30))  # 01:00 → 03:30 is 1.5 h
        punch_make(team.sam, "out", local(night + datetime.timedelta(days=1), 6))
        services.records_compute(night, now=AFTER)
        services.records_compute(night + datetime.timedelta(days=1), now=AFTER)
        record = _record(team.sam, night)
        assert (record.scheduled_minutes, record.unpaid_break_minutes, record.worked_minutes) == (420, 90, 330)
        assert not AttendanceRecord.objects.filter(user=team.sam, date=night + datetime.timedelta(days=1)).exists()


def test_a_missing_out_is_flagged_and_flagged_punches_show(team):
    with tenant_context(team.tenant):
        shift_make(team.sam, local(DAY, 9), local(DAY, 17, 30))
        punch_make(team.sam, "in", local(DAY, 9), verdict="outside", needs_review=True, flags=["outside_fence"])
        services.records_compute(DAY, now=local(DAY, 12))
        assert _record(team.sam).status == "present" and "missing_punch" not in _record(team.sam).flags
        services.records_compute(DAY, now=AFTER)
        record = _record(team.sam)
        assert record.status == "partial"
        assert record.flags == ["missing_punch", "needs_review", "outside_fence"]


def test_late_is_told_once_to_the_person_and_their_manager(team, django_capture_on_commit_callbacks):
    with tenant_context(team.tenant):
        shift = shift_make(team.sam, local(DAY, 9), local(DAY, 17, 30), grace=5)
        shift_make(team.sue, local(DAY, 9), local(DAY, 17, 30))
        punch_make(team.sue, "in", local(DAY, 8, 55))
        assert services.late_detect(now=local(DAY, 9, 4)) == 0  # still within the grace
        with django_capture_on_commit_callbacks(execute=True):
            assert services.late_detect(now=local(DAY, 9, 10)) == 1
        assert services.late_detect(now=local(DAY, 9, 15)) == 0
        assert list(LateNotice.objects.values_list("shift_id", flat=True)) == [shift.pk]
        told = set(Notification.objects.filter(event="attendance.late").values_list("recipient_id", flat=True))
        assert told == {team.sam.pk, team.mia.pk}


def _correct(team, punches, reason="Forgot to clock out."):
    return services.correction_request(user=team.sam, date=DAY, punches=punches, reason=reason,
                                       acting_user=team.sam)  # fmt: skip


def test_an_approved_correction_keeps_the_originals_and_recomputes(workflows, django_capture_on_commit_callbacks):
    team = workflows
    with tenant_context(team.tenant):
        shift_make(team.sam, local(DAY, 9), local(DAY, 17, 30))
        original = punch_make(team.sam, "in", local(DAY, 9, 30))
        services.records_compute(DAY, now=AFTER)
        assert _record(team.sam).status == "late"
        proposed = [{"kind": "in", "at": local(DAY, 9).isoformat(), "workplace": "SYD-CBD"},
                    {"kind": "out", "at": local(DAY, 17, 30).isoformat(), "workplace": "SYD-CBD"}]  # fmt: skip
        correction = _correct(team, proposed)
        assert correction.status == "pending"
        with pytest.raises(ValidationError) as duplicate:
            _correct(team, proposed)
        assert "duplicate_request" in _codes(duplicate.value)
        approval = services._approval_of(correction)
        with django_capture_on_commit_callbacks(execute=True):
            request_approve(request=approval, acting_user=team.admin)
        correction.refresh_from_db()
        assert correction.status == "approved" and correction.decided_by == team.admin
        original.refresh_from_db()
        assert original.superseded_by_id is not None  # kept, superseded
        effective = Punch.objects.filter(user=team.sam, superseded_by__isnull=True).order_by("at")
        assert [(p.kind, p.source) for p in effective] == [("in", "correction"), ("out", "correction")]
        record = _record(team.sam)
        assert (record.status, record.worked_minutes, "corrected" in record.flags) == ("present", 480, True)
        assert Notification.objects.filter(event="attendance.correction_decided", recipient=team.sam).exists()


@pytest.mark.parametrize(
    ("punches", "code"),
    [
        ([{"kind": "out", "at": local(DAY, 9).isoformat(), "workplace": "SYD-CBD"}], "punch_order"),
        ([{"kind": "in", "at": local(DAY, 9).isoformat(), "workplace": "NOPE"}], "unknown_workplace"),
        ([{"kind": "in", "at": "2026-12-07T09:00:00", "workplace": "SYD-CBD"}], "invalid_punch"),
        ([{"kind": "in", "at": local(DAY + datetime.timedelta(days=3), 9).isoformat(), "workplace": "SYD-CBD"}],
         "outside_day"),
    ],
)  # fmt: skip
def test_bad_corrections_are_refused_with_a_code(workflows, punches, code):
    with tenant_context(workflows.tenant), pytest.raises(ValidationError) as refused:
        _correct(workflows, punches)
    assert code in _codes(refused.value)
    with tenant_context(workflows.tenant):
        assert not AttendanceCorrection.objects.exists()


def _worked(team, day, start_hour, end_hour, *, shift=True):
    if shift:
        shift_make(team.sam, local(day, start_hour), local(day, end_hour), unpaid=0)
    punch_make(team.sam, "in", local(day, start_hour))
    punch_make(team.sam, "out", local(day, end_hour))


def test_overtime_daily_weekly_rest_day_and_public_holiday(team):
    monday = datetime.date(2026, 12, 21)  # Christmas (Fri 25) and Boxing Day (Sat 26) are NSW holidays
    with tenant_context(team.tenant):
        OvertimeRule.objects.create(workplace=None, daily_threshold_minutes=480, weekly_threshold_minutes=1800,
                                    auto_submit=False)  # fmt: skip
        for offset in range(4):  # Mon-Thu 10 h each: 2 h daily overtime, 8 h regular
            _worked(team, monday + datetime.timedelta(days=offset), 8, 18)
        _worked(team, monday + datetime.timedelta(days=4), 9, 13)  # Friday, a public holiday: 4 h
        _worked(team, monday + datetime.timedelta(days=6), 10, 12, shift=False)  # Sunday, no shift: rest day
        for offset in range(7):
            services.records_compute(monday + datetime.timedelta(days=offset), now=AFTER + datetime.timedelta(days=30))
        counts = services.overtime_generate(start=monday, end=monday)
        rows = {(o.date.weekday(), o.reason): (o.minutes, o.multiplier) for o in OvertimeRecord.objects.all()}
        assert rows == {
            (0, "daily"): (120, Decimal("1.50")), (1, "daily"): (120, Decimal("1.50")),
            (2, "daily"): (120, Decimal("1.50")), (3, "daily"): (120, Decimal("1.50")),
            (3, "weekly"): (120, Decimal("1.50")),  # 4 x 8 h regular = 32 h: 2 h over 30 h
            (4, "public_holiday"): (240, Decimal("2.00")), (6, "rest_day"): (120, Decimal("2.00")),
        }  # fmt: skip
        assert counts["created"] == 7
        assert services.overtime_generate(start=monday, end=monday) == {
            "created": 0, "changed": 0, "removed": 0, "submitted": 0}  # fmt: skip


def test_a_workplace_rule_wins_and_new_overtime_is_sent_for_approval(workflows):
    team = workflows
    with tenant_context(team.tenant):
        OvertimeRule.objects.create(workplace=None, daily_threshold_minutes=600)
        OvertimeRule.objects.create(workplace=Workplace.objects.get(code="SYD-CBD"), daily_threshold_minutes=420,
                                    daily_multiplier=Decimal("1.25"))  # fmt: skip
        _worked(team, DAY, 8, 17)
        services.records_compute(DAY, now=AFTER)
        assert services.overtime_generate(start=DAY, end=DAY)["submitted"] == 1
        overtime = OvertimeRecord.objects.get()
        assert (overtime.minutes, overtime.multiplier, overtime.submitted_at is not None) == (
            120,
            Decimal("1.25"),
            True,
        )
