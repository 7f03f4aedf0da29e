"""Services: shift times (overnight, DST), RRULE patterns, the roster rules, publishing and its notices."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from apps.core import events
from apps.notifications.models import Notification
from apps.rosters import schedule
from apps.rosters.demo import rosters_demo_seed
from apps.rosters.models import Roster, Shift, ShiftType
from apps.rosters.services import (
    pattern_add,
    roster_create,
    roster_publish,
    rules_set,
    shift_add,
    shift_remove,
    shift_update,
    shifts_assign,
)

D = dt.date
PERIOD = (D(2026, 9, 28), D(2026, 10, 25))


def _roster(site):
    return roster_create(workplace=site, name="Test", start_date=PERIOD[0], end_date=PERIOD[1], acting_user=None)


def _code(exc: ValidationError) -> str | None:
    return exc.error_list[0].code if hasattr(exc, "error_list") else next(iter(exc.error_dict.values()))[0].code


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("Australia/Sydney", D(2026, 10, 3), 7),  # clocks go forward at 02:00 on Sun 4 Oct 2026
        ("Australia/Sydney", D(2026, 4, 4), 9),  # clocks go back at 03:00 on Sun 5 Apr 2026
        ("Europe/London", D(2026, 3, 28), 7),  # forward at 01:00 on Sun 29 Mar 2026
        ("Europe/London", D(2026, 10, 24), 9),  # back at 02:00 on Sun 25 Oct 2026
        ("Europe/London", D(2026, 7, 4), 8),
    ],
)
def test_a_night_shift_across_a_dst_change_has_its_real_length(zone, day, hours):
    start, end = schedule.shift_span(day, dt.time(22), dt.time(6), ZoneInfo(zone))
    assert end - start == dt.timedelta(hours=hours)
    assert start.astimezone(ZoneInfo(zone)).hour == 22 and end.astimezone(ZoneInfo(zone)).hour == 6


def test_pattern_expands_in_the_site_time_zone_across_dst(site, worker, acme_ctx):
    with acme_ctx():
        night = ShiftType.objects.get(code="NIGHT")
        roster = _roster(site)
        pattern = pattern_add(
            roster=roster,
            shift_type=night,
            users=[worker],
            acting_user=None,
            rrule="FREQ=WEEKLY;BYDAY=FR,SA;UNTIL=20261010",
        )
        shifts = {s.local_date: s for s in pattern.shifts.all()}
    assert sorted(shifts) == [D(2026, 10, 2), D(2026, 10, 3), D(2026, 10, 9), D(2026, 10, 10)]
    assert shifts[D(2026, 10, 3)].scheduled_minutes == 7 * 60  # across the spring-forward night
    assert shifts[D(2026, 10, 2)].scheduled_minutes == 8 * 60
    sydney = ZoneInfo("Australia/Sydney")
    assert shifts[D(2026, 10, 9)].starts_at.astimezone(sydney).time() == dt.time(22)


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        ("FREQ=WEEKLY;BYDAY=MO", "unbounded_rrule"),
        ("FREQ=DAILY;UNTIL=20261231", "rrule_beyond_period"),
        ("FREQ=DAILY;COUNT=60", "rrule_beyond_period"),
        ("FREQ=HOURLY;COUNT=3", "invalid_rrule"),
        ("FREQ=SOMETIMES", "invalid_rrule"),
        ("DTSTART:20260101\nRRULE:FREQ=DAILY;COUNT=2", "invalid_rrule"),
    ],
)
def test_bad_rules_are_refused_and_nothing_is_written(site, worker, rule, code, acme_ctx):
    with acme_ctx():
        roster = _roster(site)
        with pytest.raises(ValidationError) as caught:
            pattern_add(
                roster=roster,
                shift_type=ShiftType.objects.get(code="DAY"),
                users=[worker],
                rrule=rule,
                acting_user=None,
            )
        assert _code(caught.value) == code
        assert not Shift.objects.exists() and not roster.patterns.exists()


def test_double_booking_is_refused_with_the_person_and_day(site, worker, acme_ctx):
    with acme_ctx():
        roster, day = _roster(site), ShiftType.objects.get(code="DAY")
        shift_add(roster=roster, user=worker, day=D(2026, 10, 1), shift_type=day, acting_user=None)
        with pytest.raises(ValidationError) as caught:
            shift_add(
                roster=roster,
                user=worker,
                day=D(2026, 10, 1),
                start_time=dt.time(12),
                end_time=dt.time(14),
                acting_user=None,
            )
        assert _code(caught.value) == "double_booking"
        assert "Wendy Worker" in caught.value.messages[0] and "01 Oct 2026" in caught.value.messages[0]
        # a bulk assignment with one clash writes nothing
        with pytest.raises(ValidationError):
            shifts_assign(
                roster=roster, users=[worker], shift_type=day, days=[D(2026, 9, 30), D(2026, 10, 1)], acting_user=None
            )
        assert Shift.objects.count() == 1


def test_min_rest_flags_or_refuses_as_the_rules_say(site, worker, acme_ctx):
    with acme_ctx():
        roster, night, day = _roster(site), ShiftType.objects.get(code="NIGHT"), ShiftType.objects.get(code="DAY")
        shift_add(roster=roster, user=worker, day=D(2026, 10, 1), shift_type=night, acting_user=None)  # ends 06:00
        flagged = shift_add(roster=roster, user=worker, day=D(2026, 10, 2), shift_type=day, acting_user=None)
        assert [f["code"] for f in flagged.flags] == ["min_rest"]
        assert "3 h" in flagged.flags[0]["message"] and "10 h" in flagged.flags[0]["message"]
        rules_set(workplace=site, min_rest_hours=10, min_rest_action="refuse", acting_user=None)
        with pytest.raises(ValidationError) as caught:
            shift_add(
                roster=roster,
                user=worker,
                day=D(2026, 10, 3),
                start_time=dt.time(2),
                end_time=dt.time(4),
                acting_user=None,
            )
        assert _code(caught.value) == "min_rest"


def test_weekly_hours_flag_then_refuse(site, worker, acme_ctx):
    with acme_ctx():
        roster, day = _roster(site), ShiftType.objects.get(code="DAY")
        rules_set(max_weekly_hours=20, max_weekly_action="flag", min_rest_hours=0, acting_user=None)
        made = shifts_assign(
            roster=roster,
            users=[worker],
            shift_type=day,
            acting_user=None,
            days=[D(2026, 9, 28), D(2026, 9, 29), D(2026, 9, 30)],
        )  # 8 h each, Mon-Wed
        assert [bool(s.flags) for s in made] == [True, True, True]
        assert made[0].flags[0]["code"] == "max_weekly_hours" and "24 h" in made[0].flags[0]["message"]
        rules_set(max_weekly_hours=20, max_weekly_action="refuse", min_rest_hours=0, acting_user=None)
        with pytest.raises(ValidationError) as caught:
            shift_add(roster=roster, user=worker, day=D(2026, 10, 1), shift_type=day, acting_user=None)
        assert _code(caught.value) == "max_weekly_hours"
        shift_add(roster=roster, user=worker, day=D(2026, 10, 5), shift_type=day, acting_user=None)  # next week


def test_approved_leave_is_flagged_through_availability_providers(site, worker, leave_provider, acme_ctx):
    leave_provider.add((str(worker.pk), D(2026, 10, 6)))
    with acme_ctx():
        roster = _roster(site)
        made = shifts_assign(
            roster=roster,
            users=[worker],
            shift_type=ShiftType.objects.get(code="DAY"),
            days=[D(2026, 10, 5), D(2026, 10, 6)],
            acting_user=None,
        )
    assert made[0].flags == []
    assert made[1].flags == [
        {"code": "on_leave", "message": "Wendy Worker is on approved leave on Tue 06 Oct 2026 (rule: leave overlap)."}
    ]


def test_outside_the_period_and_non_members_are_refused(site, worker, globex_member, acme_ctx):
    with acme_ctx():
        roster, day = _roster(site), ShiftType.objects.get(code="DAY")
        with pytest.raises(ValidationError) as caught:
            shift_add(roster=roster, user=worker, day=D(2026, 11, 1), shift_type=day, acting_user=None)
        assert _code(caught.value) == "outside_period"
        with pytest.raises(ValidationError) as caught:
            shift_add(roster=roster, user=globex_member, day=D(2026, 10, 1), shift_type=day, acting_user=None)
        assert _code(caught.value) == "not_a_member"


def test_publish_notifies_each_person_once_and_is_idempotent(
    site, worker, acme_member, django_capture_on_commit_callbacks, monkeypatch, acme_ctx
):
    seen = []
    real_deliver = events.deliver
    monkeypatch.setattr(events, "deliver", lambda event, items: (seen.append(event), real_deliver(event, items)))
    with acme_ctx():
        roster = _roster(site)
        shifts_assign(
            roster=roster,
            users=[worker, acme_member],
            shift_type=ShiftType.objects.get(code="DAY"),
            days=[D(2026, 10, 5), D(2026, 10, 6)],
            acting_user=None,
        )
    with django_capture_on_commit_callbacks(execute=True), acme_ctx():
        assert roster_publish(roster=roster, acting_user=None) == 4
    with django_capture_on_commit_callbacks(execute=True), acme_ctx():
        assert roster_publish(roster=roster, acting_user=None) == 0
    assert seen.count("roster.published") == 1
    with acme_ctx():
        roster.refresh_from_db()
        assert roster.status == "published" and roster.rules_snapshot["min_rest_hours"] == 10
        assert set(Shift.objects.values_list("status", flat=True)) == {"published"}
        assert Notification.objects.filter(recipient=worker).count() == 1
        assert Notification.objects.filter(recipient=acme_member).count() == 1
        shift = Shift.objects.filter(user=worker).first()
    with django_capture_on_commit_callbacks(execute=True), acme_ctx():
        shift_update(shift=shift, start_time=dt.time(10), end_time=dt.time(18), acting_user=None)
    with django_capture_on_commit_callbacks(execute=True), acme_ctx():
        shift_remove(shift=shift, acting_user=None)
    assert seen.count("shift.changed") == 2
    with acme_ctx():
        assert Shift.objects.get(pk=shift.pk).status == "cancelled"
        assert Notification.objects.filter(recipient=worker).count() == 3


def test_demo_is_idempotent(site, acme, acme_ctx):
    from tests.factories import MembershipFactory

    MembershipFactory(tenant=acme, user__email="manager@acme.localhost", user__full_name="Mia Manager")
    with acme_ctx():
        assert rosters_demo_seed(acme, today=D(2026, 12, 6)) == 2
        assert rosters_demo_seed(acme, today=D(2026, 12, 6)) == 0
        roster = Roster.objects.get(workplace__code="SYD-CBD")
        assert roster.status == "published" and (roster.start_date, roster.end_date) == (
            D(2026, 11, 17),
            D(2027, 1, 14),
        )
        assert roster.shifts.count() == 43 and {s.local_date.weekday() for s in roster.shifts.all()} <= {0, 1, 2, 3, 4}
