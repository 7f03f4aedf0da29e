import datetime

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from apps.routines.generation import ORIGIN_KIND, routines_generate
from apps.routines.models import Occurrence, OccurrenceStatus, OccurrenceTask, Routine, RoutineStatus
from apps.routines.services import MemberSpec, occurrence_edit, routine_create, routine_pause, routine_split
from apps.tasks.models import Task, TaskDependency, TaskStatus

from .conftest import weekly

UTC = datetime.UTC
pytestmark = pytest.mark.django_db


def at(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def visit(w, *, workplace=None, **rule):
    members = [MemberSpec(template=w.template), MemberSpec(title="Photo report", checklist=[["Front", True]])]
    return routine_create(name="Visit", workplace=workplace or w.sydney, members=members, links=[(1, 2)],
                          acting_user=w.admin, generate=False, **(rule or weekly()))  # fmt: skip


def tasks_of(routine):
    return Task.objects.filter(origin_kind=ORIGIN_KIND, origin_id__in=[
        str(pk) for pk in Occurrence.objects.filter(routine=routine).values_list("pk", flat=True)
    ]).order_by("due_at", "id")  # fmt: skip


def test_generation_copies_template_keeps_links_and_runs_once(world, django_assert_max_num_queries):
    with tenant_context(world.tenant):
        routine = visit(world)
        with django_assert_max_num_queries(16):
            assert routines_generate(now=at(2026, 3, 1)) == (2, 4)
        assert routines_generate(now=at(2026, 3, 1)) == (0, 0)
        assert routines_generate(now=at(2026, 3, 1, 0, 15)) == (0, 0)
        check, photo = tasks_of(routine)[:2]
        assert (check.title, check.status, check.required_evidence, check.template_id) == (
            "Shelf check",
            TaskStatus.TODO,
            ["photo"],
            world.template.pk,
        )
        assert [(i.text, i.is_required) for i in check.checklist.all()] == [("Count facings", True), ("Tidy", False)]
        assert photo.status == TaskStatus.BLOCKED and photo.blocked_reason == "Waiting for: Shelf check"
        assert [(i.text, i.is_required) for i in photo.checklist.all()] == [("Front", True)]
        assert TaskDependency.objects.filter(predecessor=check, successor=photo).exists()
        assert Task.history.filter(id=check.pk).count() == 1
        assert OccurrenceTask.objects.filter(occurrence__routine=routine).count() == 4
        # 09:00 Sydney (AEDT, UTC+11) is 22:00 UTC the day before, due an hour later.
        assert check.due_at == at(2026, 3, 1, 23)


@pytest.mark.parametrize(
    ("workplace", "first", "utc_hours"),
    [
        ("sydney", datetime.date(2026, 3, 30), [22, 23]),  # April: AEDT → AEST
        ("sydney", datetime.date(2026, 9, 28), [23, 22]),  # October: AEST → AEDT
        ("london", datetime.date(2026, 3, 23), [9, 8]),  # March: GMT → BST
        ("london", datetime.date(2026, 10, 19), [8, 9]),  # October: BST → GMT
    ],
)
def test_nine_oclock_stays_nine_oclock_local_across_daylight_saving(world, workplace, first, utc_hours):
    with tenant_context(world.tenant):
        routine = visit(world, workplace=getattr(world, workplace), **weekly(first, count=2))
        routines_generate(now=datetime.datetime.combine(first, datetime.time(), UTC) - datetime.timedelta(days=1))
        occurrences = list(Occurrence.objects.filter(routine=routine).order_by("at"))
        assert [o.key[-5:] for o in occurrences] == ["09:00", "09:00"]
        assert [o.at.astimezone(UTC).hour for o in occurrences] == utc_hours


def test_refused_rules_and_links_write_nothing(world):
    with tenant_context(world.tenant):
        cases = [
            ({"rrule": "FREQ=WEEKLY;BYDAY=MO"}, "unbounded_rrule"),
            ({"rrule": "FREQ=WEEKLY;BYDAY=MO;UNTIL=20200101T000000"}, "empty_rrule"),
            ({"rrule": "FREQ=SOMETIMES"}, "invalid_rrule"),
            ({"links": [(1, 2), (2, 1)]}, "link_cycle"),
            ({"links": [(1, 1)]}, "invalid_link"),
            ({"members": []}, "members_required"),
            ({"members": [MemberSpec(title="")]}, "invalid_member"),
            ({"members": [MemberSpec(title="x", assignee_kind="person")]}, "invalid_assignee"),
        ]
        before = Routine.objects.count()
        for change, code in cases:
            data = {"name": "Bad", "workplace": world.sydney, "acting_user": world.admin,
                    "members": [MemberSpec(title="A"), MemberSpec(title="B")], **weekly(), **change}  # fmt: skip
            with pytest.raises(ValidationError) as refused:
                routine_create(**data)
            assert code in str(refused.value.error_dict if hasattr(refused.value, "error_dict") else refused.value) or (
                code in [e.code for errors in refused.value.error_dict.values() for e in errors]
            ), code
        assert Routine.objects.count() == before


def test_skip_and_move_this_occurrence(world):
    with tenant_context(world.tenant):
        routine = visit(world)
        # Skipping an occurrence not generated yet records it: the generator never writes it.
        occurrence_edit(routine=routine, key="2026-03-16T09:00", acting_user=world.admin, skip=True)
        routines_generate(now=at(2026, 3, 1))
        routines_generate(now=at(2026, 3, 10))
        keys = dict(Occurrence.objects.filter(routine=routine).values_list("key", "status"))
        assert keys == {"2026-03-02T09:00": "generated", "2026-03-09T09:00": "generated",
                        "2026-03-16T09:00": "skipped", "2026-03-23T09:00": "generated"}  # fmt: skip
        # Skipping a generated one cancels its tasks.
        occurrence_edit(routine=routine, key="2026-03-09T09:00", acting_user=world.admin, skip=True)
        skipped = Occurrence.objects.get(routine=routine, key="2026-03-09T09:00")
        assert set(Task.objects.filter(origin_id=str(skipped.pk)).values_list("status", flat=True)) == {"cancelled"}
        # Moving one moves its open tasks' due times, and gives them to ann.
        occurrence_edit(routine=routine, key="2026-03-02T09:00", acting_user=world.admin,
                        local_time=datetime.datetime(2026, 3, 3, 14, 0), assignee=world.ann)  # fmt: skip
        moved = Occurrence.objects.get(routine=routine, key="2026-03-02T09:00")
        first = Task.objects.filter(origin_id=str(moved.pk)).order_by("due_at").first()
        assert moved.at == at(2026, 3, 3, 3) and first.due_at == at(2026, 3, 3, 4)
        assert (first.assignee_kind, first.assignee_id) == ("person", world.ann.pk)
        with pytest.raises(ValidationError, match="not an occurrence"):
            occurrence_edit(routine=routine, key="2026-03-04T09:00", acting_user=world.admin, skip=True)
        with pytest.raises(ValidationError, match="was skipped"):
            occurrence_edit(routine=routine, key="2026-03-16T09:00", acting_user=world.admin, assignee=world.ann)


def test_this_and_following_splits_the_routine(world):
    with tenant_context(world.tenant):
        routine = visit(world, **weekly(count=6))
        routine.horizon_days = 30
        routine.save()
        routines_generate(now=at(2026, 3, 1))  # 2, 9, 16, 23 March
        started = Occurrence.objects.get(routine=routine, key="2026-03-16T09:00")
        Task.objects.filter(origin_id=str(started.pk), status="todo").update(status="in_progress",
                                                                            started_at=at(2026, 3, 1))  # fmt: skip
        new = routine_split(routine=routine, key="2026-03-09T09:00", acting_user=world.admin, name="Later visit",
                            start_time=datetime.time(10, 30))  # fmt: skip
        routine.refresh_from_db()
        assert routine.rrule == "FREQ=WEEKLY;BYDAY=MO;UNTIL=20260309T085959"
        assert (new.rrule, new.start_date, new.split_from_id) == ("FREQ=WEEKLY;BYDAY=MO;COUNT=5",
                                                                 datetime.date(2026, 3, 9), routine.pk)  # fmt: skip
        old = dict(Occurrence.objects.filter(routine=routine).values_list("key", "status"))
        assert old == {"2026-03-02T09:00": "generated", "2026-03-09T09:00": "skipped",
                       "2026-03-16T09:00": "generated", "2026-03-23T09:00": "skipped",
                       "2026-03-30T09:00": "skipped"}  # fmt: skip
        cancelled = Occurrence.objects.get(routine=routine, key="2026-03-23T09:00")
        assert set(Task.objects.filter(origin_id=str(cancelled.pk)).values_list("status", flat=True)) == {"cancelled"}
        assert new.members.count() == 2 and new.links.count() == 1
        # The started occurrence is not doubled by the new routine (its key at 10:30 differs: nothing to skip).
        assert Occurrence.objects.filter(routine=new, status=OccurrenceStatus.SKIPPED).count() == 1


def test_pause_stops_generation_and_resume_continues_from_now(world):
    with tenant_context(world.tenant):
        routine = visit(world)
        routine_pause(routine=routine, paused=True, acting_user=world.admin)
        assert routines_generate(now=at(2026, 3, 1)) == (0, 0)
        routine_pause(routine=routine, paused=False, acting_user=world.admin)
        routine.refresh_from_db()
        assert routine.status == RoutineStatus.ACTIVE
        routines_generate(now=at(2026, 3, 1))
