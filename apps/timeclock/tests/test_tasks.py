"""Auto clock-out, missing punches, the shift's site as the default workplace, corrections, and the tasks
visiting only tenants with Attendance."""

import datetime
import uuid

import pytest
from django_tenants.utils import tenant_context

from apps.rosters.models import Roster, Shift
from apps.timeclock import tasks
from apps.timeclock.models import MissingPunch, Punch, PunchPolicy
from apps.timeclock.selectors import clocked_in_now, punches_between
from apps.timeclock.services import auto_clock_out, missing_punches_detect, punch_record, punches_replace
from apps.workplaces.models import Workplace

from .conftest import CBD, PUNCHES, api, body

UTC = datetime.UTC


def _shift(user, starts_at, hours=8, code="SYD-CBD"):
    site = Workplace.objects.get(code=code)
    roster = Roster.objects.create(workplace=site, name="Week", start_date=starts_at.date(),
                                   end_date=starts_at.date() + datetime.timedelta(days=6), status="draft")  # fmt: skip
    return Shift.objects.create(roster=roster, user=user, workplace=site, local_date=starts_at.date(),
                                starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=hours),
                                status="published")  # fmt: skip


def _punch(user, kind, at, **extra):
    return punch_record(user=user, client_id=uuid.uuid4(), kind=kind, device_at=at, workplace="SYD-CBD",
                        lat=CBD[0], lng=CBD[1], accuracy_m=5, access_checked=True, received_at=at,
                        **extra)[0]  # fmt: skip


def test_the_current_shift_names_the_site(clock):
    now = datetime.datetime.now(UTC)
    with tenant_context(clock.tenant):
        shift = _shift(clock.ann, now - datetime.timedelta(minutes=30))
    punch = api(clock.ann).post(PUNCHES, body(workplace=""), format="json").json()
    assert punch["workplace"] == "SYD-CBD" and punch["verdict"] == "inside"
    with tenant_context(clock.tenant):
        assert Punch.objects.get(pk=punch["id"]).shift_id == shift.pk


def test_auto_clock_out_closes_long_sessions_once(clock, events, django_capture_on_commit_callbacks):
    now = datetime.datetime.now(UTC)
    with tenant_context(clock.tenant):
        PunchPolicy.objects.create(workplace=None, max_shift_hours=10)
        started = _punch(clock.ann, "in", now - datetime.timedelta(hours=11))
        _punch(clock.mia, "in", now - datetime.timedelta(hours=2))
        with django_capture_on_commit_callbacks(execute=True):
            closed = auto_clock_out(now=now)
        assert [(p.user_id, p.source, p.flags, p.needs_review) for p in closed] == [
            (clock.ann.pk, "auto", ["auto_clock_out"], True)]  # fmt: skip
        assert closed[0].at == started.at + datetime.timedelta(hours=10)
        assert auto_clock_out(now=now) == []
        assert set(clocked_in_now()) == {clock.mia.pk}
    assert {name for name, _ in events} == {"attendance.clocked_out", "attendance.punch_flagged"}


def test_auto_clock_out_at_the_shifts_end_plus_overrun(clock):
    now = datetime.datetime.now(UTC)
    with tenant_context(clock.tenant):
        shift = _shift(clock.ann, now - datetime.timedelta(hours=7), hours=4)
        _punch(clock.ann, "in", shift.starts_at)
        closed = auto_clock_out(now=now)  # ended 3 h ago, more than the 2 h default overrun
        assert [p.at for p in closed] == [shift.ends_at] and closed[0].shift_id == shift.pk


def test_missing_punches_are_found_and_told_once(clock, events, django_capture_on_commit_callbacks):
    now = datetime.datetime.now(UTC)
    with tenant_context(clock.tenant):
        absent = _shift(clock.ann, now - datetime.timedelta(hours=10), hours=8)
        stayed = _shift(clock.mia, now - datetime.timedelta(hours=10), hours=8)
        _punch(clock.mia, "in", stayed.starts_at + datetime.timedelta(minutes=3))
        with django_capture_on_commit_callbacks(execute=True):
            found = missing_punches_detect(now=now)
        assert {(row.shift_id, row.kind) for row in found} == {(absent.pk, "in"), (stayed.pk, "out")}
        with django_capture_on_commit_callbacks(execute=True):
            assert missing_punches_detect(now=now) == []
        assert MissingPunch.objects.count() == 2
    told = [payload["user"] for name, payload in events if name == "attendance.missing_punch"]
    assert sorted(told) == sorted([str(clock.ann.pk), str(clock.mia.pk)])


def test_corrections_supersede_and_keep_the_originals(clock):
    now = datetime.datetime.now(UTC)
    with tenant_context(clock.tenant):
        original = _punch(clock.ann, "in", now - datetime.timedelta(hours=3))
        start, end = now - datetime.timedelta(hours=4), now
        new = punches_replace(user=clock.ann, start=start, end=end, actor=clock.admin, reason="Forgot to clock out",
                              punches=[{"kind": "in", "at": now - datetime.timedelta(hours=3, minutes=5)},
                                       {"kind": "out", "at": now - datetime.timedelta(minutes=30)}])  # fmt: skip
        assert [p.source for p in new] == ["correction", "correction"]
        original.refresh_from_db()
        assert original.superseded_by_id == new[0].pk
        assert [p.kind for p in punches_between(start=start, end=end, user_ids=[clock.ann.pk])] == ["in", "out"]
        assert len(punches_between(start=start, end=end, include_superseded=True)) == 3
        assert punches_replace(user=clock.ann, start=start, end=end, actor=clock.admin, reason="Wrong day",
                               punches=[]) == []  # fmt: skip
        assert not punches_between(start=start, end=end).exists()


@pytest.mark.django_db
def test_tasks_visit_only_tenants_with_attendance(clock, globex, monkeypatch):
    visited = []
    monkeypatch.setattr(tasks.services, "auto_clock_out", lambda now: visited.append(now) or [])
    tasks.auto_clock_out()
    assert len(visited) == 1  # Acme (pro plan with Attendance), not Globex (no plan)


def test_demo_punches_follow_the_roster_and_are_idempotent(clock):
    from apps.timeclock.demo import timeclock_demo_seed

    now = datetime.datetime.now(UTC)
    with tenant_context(clock.tenant):
        _shift(clock.ann, now - datetime.timedelta(hours=5), hours=3)
        assert timeclock_demo_seed(now=now) == 2
        assert timeclock_demo_seed(now=now) == 0
        assert sorted(Punch.objects.values_list("kind", flat=True)) == ["in", "out"]
