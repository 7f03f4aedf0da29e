"""The beat schedule from code: apps/backoffice/schedules.py and `manage.py schedules_sync`."""

from io import StringIO

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule
from django_celery_beat.models import PeriodicTask as BeatTask

from apps.backoffice.models import DeclaredSchedule
from apps.backoffice.schedules import schedules_sync
from apps.core.contributions import PeriodicTask, contribute, contributions, contributions_reset

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry_restored():
    yield
    contributions_reset()  # forget what the test declared; the apps' modules register again


def _every(minutes: int) -> IntervalSchedule:
    return IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")[0]


def test_every_declared_task_is_in_beat_and_a_second_sync_changes_nothing():
    schedules_sync()
    before = {row.name: (row.task, row.interval_id, row.crontab_id, row.enabled) for row in BeatTask.objects.all()}
    report, notes = schedules_sync()
    assert not report.changed and not report.kept and notes == []
    after = {row.name: (row.task, row.interval_id, row.crontab_id, row.enabled) for row in BeatTask.objects.all()}
    assert after == before
    for task in contributions(PeriodicTask):
        assert before[task.name][0] == task.task and before[task.name][3]


def test_a_timing_edited_in_the_admin_is_kept_and_the_command_says_so():
    row = BeatTask.objects.get(name="invitations.expire_due")
    row.interval = _every(30)  # a staff member slows the sweep down in the admin
    row.save()
    out = StringIO()
    call_command("schedules_sync", stdout=out)
    row.refresh_from_db()
    assert (row.interval.every, row.interval.period) == (30, "minutes")
    assert "kept invitations.expire_due" in out.getvalue() and "every 30 minutes" in out.getvalue()
    report, _ = schedules_sync()
    assert report.kept == ["invitations.expire_due"] and not report.changed


def test_a_changed_declaration_updates_a_timing_nobody_edited(registry_restored):
    contribute(PeriodicTask("schedules_test.tick", "schedules_test.tick", interval=(5, "minutes"), description="Tick."))
    report, _ = schedules_sync()
    assert report.created == ["schedules_test.tick"]
    contributions_reset()
    contribute(
        PeriodicTask("schedules_test.tick", "schedules_test.tick", interval=(10, "minutes"), description="Tick slower.")
    )
    report, _ = schedules_sync()
    assert report.updated == ["schedules_test.tick"] and not report.kept
    row = BeatTask.objects.get(name="schedules_test.tick")
    assert (row.interval.every, row.description) == (10, "Tick slower.")
    assert DeclaredSchedule.objects.get(name="schedules_test.tick").timing == {"interval": [10, "minutes"]}


def test_a_row_no_app_declares_is_disabled_once_and_enabled_again_when_declared(registry_restored):
    BeatTask.objects.create(name="retired.sweep", task="retired.sweep", interval=_every(5))
    report, notes = schedules_sync()
    assert report.disabled == ["retired.sweep"] and "no app declares" in notes[0]
    assert not BeatTask.objects.get(name="retired.sweep").enabled
    assert not schedules_sync()[0].changed
    contribute(PeriodicTask("retired.sweep", "retired.sweep", interval=(5, "minutes")))
    report, _ = schedules_sync()
    assert report.enabled == ["retired.sweep"] and BeatTask.objects.get(name="retired.sweep").enabled


def test_rows_celery_or_staff_made_for_declared_tasks_are_left_alone():
    BeatTask.objects.create(name="celery.backend_cleanup", task="celery.backend_cleanup", interval=_every(60))
    BeatTask.objects.create(name="extra webhook retries", task="webhooks.retry_due", interval=_every(2))
    report, _ = schedules_sync()
    assert not report.disabled
    assert (
        BeatTask.objects.filter(name__in=["celery.backend_cleanup", "extra webhook retries"], enabled=True).count() == 2
    )


def test_a_crontab_declaration_is_written_in_utc():
    crontab = BeatTask.objects.get(name="gdpr.flag_overdue").crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week, str(crontab.timezone)) == ("0", "6", "*", "UTC")


def test_a_declaration_needs_exactly_one_timing():
    with pytest.raises(ValueError):
        PeriodicTask("x", "x")
    with pytest.raises(ValueError):
        PeriodicTask("x", "x", interval=(1, "hours"), crontab={"hour": "1"})
