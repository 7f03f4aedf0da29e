"""The rules of time entries, in the services and in the database."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_tenants.utils import tenant_context

from apps.core.db import overlap_guard_sql
from apps.organisation.models import MemberProfile
from apps.timesheets import selectors
from apps.timesheets.models import TimeEntry
from apps.timesheets.services import entry_add, entry_delete, entry_update, timer_start, timer_stop
from tests.factories import MembershipFactory

from .conftest import at


def code_of(refusal: pytest.ExceptionInfo) -> str:
    error = refusal.value
    return (next(iter(error.error_dict.values()))[0] if hasattr(error, "error_dict") else error.error_list[0]).code


def test_timer_starts_stops_once_and_tells_webhooks(ts, events, django_capture_on_commit_callbacks):
    with tenant_context(ts.tenant), django_capture_on_commit_callbacks(execute=True):
        entry = timer_start(task=ts.tasks["ann"], user=ts.ann, acting_user=ts.ann, note="Visit")
        assert entry.is_running and entry.source == "timer"
        with pytest.raises(ValidationError) as refused:
            timer_start(task=ts.tasks["open"], user=ts.ann, acting_user=ts.ann)
        assert code_of(refused) == "timer_already_running"
        stopped = timer_stop(user=ts.ann, acting_user=ts.ann)
        assert stopped is not None and stopped.pk == entry.pk and stopped.ended_at > stopped.started_at
        assert timer_stop(user=ts.ann, acting_user=ts.ann) is None  # idempotent
        assert [h.history_type for h in TimeEntry.history.filter(id=entry.pk).order_by("history_date")] == ["+", "~"]
    assert [name for name, _ in events] == ["time_entry.created", "time_entry.updated"]
    assert events[1][1]["running"] is False and events[1][1]["id"] == entry.pk


def test_the_database_keeps_one_running_timer(ts):
    with tenant_context(ts.tenant):
        TimeEntry.objects.create(task=ts.tasks["ann"], user=ts.ann, started_at=at(1, 8), source="timer")
        with pytest.raises(IntegrityError), transaction.atomic():
            TimeEntry.objects.create(task=ts.tasks["open"], user=ts.ann, started_at=at(2, 8), source="timer")


def test_timer_refused_on_a_closed_task_and_on_someone_elses(ts):
    with tenant_context(ts.tenant):
        for task, code in ((ts.tasks["done"], "task_closed"), (ts.tasks["mia"], "task_not_allowed")):
            with pytest.raises(ValidationError) as refused:
                timer_start(task=task, user=ts.ann, acting_user=ts.ann)
            assert code_of(refused) == code
        assert not TimeEntry.objects.exists()
        # A tenant admin may put anyone's time anywhere.
        entry_add(task=ts.tasks["mia"], user=ts.ann, started_at=at(1, 9), ended_at=at(1, 10), acting_user=ts.admin)


def test_overlap_refused_naming_the_other_entry_and_nothing_written(ts, events, django_capture_on_commit_callbacks):
    with tenant_context(ts.tenant), django_capture_on_commit_callbacks(execute=True):
        first = entry_add(task=ts.tasks["ann"], user=ts.ann, started_at=at(1, 9), ended_at=at(1, 10, 30),
                          acting_user=ts.ann)  # fmt: skip
        with pytest.raises(ValidationError) as refused:
            entry_add(task=ts.tasks["open"], user=ts.ann, started_at=at(1, 10), ended_at=at(1, 11), acting_user=ts.ann)
        assert code_of(refused) == "time_entry_overlap"
        assert f"#{first.pk}" in refused.value.messages[0] and "Ann's store visit" in refused.value.messages[0]
        assert "09:00 to 10:30" in refused.value.messages[0]  # in the workplace's time zone
        # Back to back is fine ([start, end)); another person at the same time too.
        entry_add(task=ts.tasks["open"], user=ts.ann, started_at=at(1, 10, 30), ended_at=at(1, 11), acting_user=ts.ann)
        entry_add(task=ts.tasks["open"], user=ts.mia, started_at=at(1, 9), ended_at=at(1, 10), acting_user=ts.mia)
        assert TimeEntry.objects.filter(user=ts.ann).count() == 2
    assert len(events) == 3


def test_a_running_timer_holds_everything_after_its_start(ts):
    with tenant_context(ts.tenant):
        running = TimeEntry.objects.create(task=ts.tasks["ann"], user=ts.ann, started_at=at(3, 9), source="timer")
        with pytest.raises(ValidationError) as refused:
            entry_add(task=ts.tasks["open"], user=ts.ann, started_at=at(4, 9), ended_at=at(4, 10), acting_user=ts.ann)
        assert code_of(refused) == "time_entry_overlap" and f"#{running.pk}" in refused.value.messages[0]
        entry_add(task=ts.tasks["open"], user=ts.ann, started_at=at(3, 7), ended_at=at(3, 9), acting_user=ts.ann)


@pytest.mark.parametrize(
    "start, end, code",
    [
        (at(1, 10), at(1, 9), "invalid_range"),
        (at(1, 10), at(1, 10), "invalid_range"),
        (at(1, 8), at(2, 9), "entry_too_long"),
        (datetime.datetime(2099, 1, 1, 9, tzinfo=datetime.UTC), datetime.datetime(2099, 1, 1, 10, tzinfo=datetime.UTC),
         "entry_in_future"),
    ],
)  # fmt: skip
def test_bad_ranges_refused(ts, start, end, code):
    with tenant_context(ts.tenant):
        with pytest.raises(ValidationError) as refused:
            entry_add(task=ts.tasks["ann"], user=ts.ann, started_at=start, ended_at=end, acting_user=ts.ann)
        assert code_of(refused) == code
        assert not TimeEntry.objects.exists()


def test_own_entries_change_others_are_refused_admins_may(ts):
    with tenant_context(ts.tenant):
        entry = entry_add(
            task=ts.tasks["ann"], user=ts.ann, started_at=at(1, 9), ended_at=at(1, 10), acting_user=ts.ann
        )
        other = entry_add(task=ts.tasks["ann"], user=ts.ann, started_at=at(1, 11), ended_at=at(1, 12),
                          acting_user=ts.ann)  # fmt: skip
        updated = entry_update(entry=entry, ended_at=at(1, 10, 45), note="longer", acting_user=ts.ann)
        assert updated.minutes == 105
        for change in (lambda: entry_update(entry=entry, note="x", acting_user=ts.mia),
                       lambda: entry_delete(entry=entry, acting_user=ts.mia),
                       lambda: entry_add(task=ts.tasks["open"], user=ts.ann, started_at=at(2, 9),
                                         ended_at=at(2, 10), acting_user=ts.mia)):  # fmt: skip
            with pytest.raises(ValidationError) as refused:
                change()
            assert code_of(refused) == "not_your_entry"
        with pytest.raises(ValidationError) as refused:
            entry_update(entry=other, started_at=at(1, 10, 30), acting_user=ts.ann)
        assert code_of(refused) == "time_entry_overlap"
        entry_delete(entry=entry, acting_user=ts.admin)
        assert list(TimeEntry.objects.values_list("pk", flat=True)) == [other.pk]
        assert TimeEntry.objects.get(pk=other.pk).started_at == at(1, 11)


def test_totals_count_local_days_weeks_and_months_in_one_query(ts, django_assert_num_queries):
    with tenant_context(ts.tenant):
        # 23:30 to 00:30 Sydney on Monday 30 November: a Monday, November, though it is Sunday 12:30 UTC.
        entry_add(task=ts.tasks["ann"], user=ts.ann, started_at=at(1, 0, 30) - datetime.timedelta(hours=1),
                  ended_at=at(1, 0, 30), acting_user=ts.ann)  # fmt: skip
        entry_add(task=ts.tasks["open"], user=ts.ann, started_at=at(1, 9), ended_at=at(1, 9, 45), acting_user=ts.ann)
        entry_add(task=ts.tasks["open"], user=ts.mia, started_at=at(2, 9), ended_at=at(2, 9, 30), acting_user=ts.mia)
        entries = selectors.entry_list(user_ids=None)
        with django_assert_num_queries(1):
            days = selectors.totals(entries, by="day")
        assert [(row["period"].isoformat(), row["minutes"]) for row in days] == [
            ("2026-11-30", 60), ("2026-12-01", 45), ("2026-12-02", 30)]  # fmt: skip
        weeks = selectors.totals(entries, by="week")
        assert [(row["period"].isoformat(), row["minutes"]) for row in weeks] == [("2026-11-30", 135)]
        months = selectors.totals(entries, by="month")
        assert [(row["period"].isoformat(), row["minutes"]) for row in months] == [
            ("2026-11-01", 60), ("2026-12-01", 75)]  # fmt: skip
        with django_assert_num_queries(1):
            people = selectors.totals(entries, by="person")
        assert [(row["user__email"], row["minutes"], row["entries"]) for row in people] == [
            ("ann@acme.test", 105, 2), ("mia@acme.test", 30, 1)]  # fmt: skip
        assert selectors.totals(entries, by="workplace")[0]["minutes"] == 135
        assert {row["task__title"]: row["minutes"] for row in selectors.totals(entries, by="task")} == {
            "Ann's store visit": 60, "Anyone's restock": 75}  # fmt: skip
        # The local-day window: Sydney's 30 November only.
        only = selectors.entry_list(user_ids=None, since=datetime.date(2026, 11, 30), until=datetime.date(2026, 11, 30))
        assert [e.task.title for e in only] == ["Ann's store visit"]
        rows = list(selectors.csv_rows(only))
        assert rows[0][0] == "entry" and rows[1][6:10] == (
            "Australia/Sydney",
            "2026-11-30 23:30",
            "2026-12-01 00:30",
            60,
        )


def test_overlap_guard_sql_refuses_what_is_not_an_identifier():
    with pytest.raises(ValueError):
        overlap_guard_sql(name="x; DROP TABLE y", table="t", start="a", end="b")
    forward, reverse = overlap_guard_sql(name="g", table="t", start="a", end="b", active_when="{row}.s <> 'c'",
                                         watch=("s",))  # fmt: skip
    assert "NEW.s <> 'c'" in forward and "r.s <> ''c''" in forward and "UPDATE OF user_id, a, b, s" in forward
    assert "DROP FUNCTION IF EXISTS g()" in reverse


def test_time_only_on_tasks_that_are_yours_by_team_or_role(ts):
    """A team's task: its members, not others. A role's task: whoever may claim it while unclaimed, then
    only the claimer. The maker of a task and tenant admins may always log time on it."""
    from apps.access.services import assignment_create, role_create
    from apps.organisation.selectors import entity_root
    from apps.organisation.services import entity_membership_add
    from apps.tasks.services import task_claim, task_create
    from apps.timesheets.access import may_work_on

    with tenant_context(ts.tenant):
        team = ts.site.entity or entity_root()
        entity_membership_add(profile=MemberProfile.objects.get(user=ts.ann), entity=team, acting_user=None)
        lead = role_create(code="ts-lead", name="Lead", permissions=[], acting_user=ts.admin)
        assignment_create(role=lead, user=ts.mia, scope_entity=entity_root(), acting_user=ts.admin)
        team_task = task_create(title="Team restock", acting_user=ts.admin, team=team, workplace=ts.site)
        role_task = task_create(title="Lead's check", acting_user=ts.admin, role=lead, workplace=ts.site)
        entry_add(task=team_task, user=ts.ann, started_at=at(1, 8), ended_at=at(1, 9), acting_user=ts.ann)
        with pytest.raises(ValidationError) as refused:
            entry_add(task=team_task, user=ts.mia, started_at=at(1, 8), ended_at=at(1, 9), acting_user=ts.mia)
        assert code_of(refused) == "task_not_allowed"
        assert "a team you are not in" in refused.value.messages[0]
        with pytest.raises(ValidationError) as refused:
            timer_start(task=role_task, user=ts.ann, acting_user=ts.ann)
        assert code_of(refused) == "task_not_allowed"
        assert "a role you do not hold" in refused.value.messages[0]
        entry_add(task=role_task, user=ts.mia, started_at=at(1, 10), ended_at=at(1, 11), acting_user=ts.mia)
        task_claim(task=role_task, acting_user=ts.mia)
        role_task.refresh_from_db()
        assert may_work_on(role_task, ts.mia) and not may_work_on(role_task, ts.ann)
        other = MembershipFactory(tenant=ts.tenant, user__email="lee@acme.test").user
        assignment_create(role=lead, user=other, scope_entity=entity_root(), acting_user=ts.admin)
        with pytest.raises(ValidationError) as refused:
            timer_start(task=role_task, user=other, acting_user=other)
        assert "who claimed it" in refused.value.messages[0]
        assert may_work_on(team_task, ts.admin) and may_work_on(role_task, ts.admin)  # tenant admin manages it
        entry_add(task=role_task, user=ts.bob, started_at=at(2, 8), ended_at=at(2, 9), acting_user=ts.admin)
