"""Time limits on every task, the broker's visibility timeout, and the job lease/sweeper rules."""

from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from apps.core import jobs
from apps.core.models import JobLease
from apps.tenancy import lifecycle
from apps.tenancy.models import ProvisioningJob, Tenant
from config.celery import app

LONG_TASKS = {"tenancy.provision_tenant", "billing.run", "reporting.run_execute"}


def test_every_project_task_has_a_soft_and_a_hard_time_limit_below_the_visibility_timeout():
    assert jobs.time_limit_problems() == []


def test_the_long_tasks_set_their_own_limits_above_the_default():
    tasks = jobs.project_tasks()
    for name in LONG_TASKS:
        assert tasks[name].time_limit > app.conf.task_time_limit, name
        assert tasks[name].soft_time_limit < tasks[name].time_limit, name


@contextmanager
def conf(**values):
    saved = {name: app.conf[name] for name in values}
    app.conf.update(values)
    try:
        yield
    finally:
        app.conf.update(saved)


def test_a_task_without_a_limit_is_reported(monkeypatch):
    unlimited = SimpleNamespace(time_limit=None, soft_time_limit=None)
    monkeypatch.setattr(jobs, "project_tasks", lambda: {"sample.unlimited": unlimited})
    with conf(task_time_limit=None, task_soft_time_limit=None):
        problems = jobs.time_limit_problems()
    assert "Task sample.unlimited has no hard time limit (time_limit, or CELERY_TASK_TIME_LIMIT)." in problems


def test_a_visibility_timeout_below_the_longest_task_is_reported():
    with conf(broker_transport_options={"visibility_timeout": 600}):
        problems = jobs.time_limit_problems()
    assert any("visibility_timeout (600) must exceed the longest hard time limit (1800 s)" in p for p in problems)


def _take(*args):
    return jobs.lease_take(task="core.current_schema", args=list(args), kwargs={}, schema_name="public")


@pytest.mark.django_db
def test_a_second_copy_of_a_running_job_is_refused_until_its_heartbeat_is_stale(settings):
    first = _take(7)
    assert first is not None
    assert _take(7) is None  # the same job, alive elsewhere
    assert _take(8) is not None  # another job
    JobLease.objects.filter(key=first[0]).update(
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOBS_STALE_SECONDS + 1)
    )
    second = _take(7)
    assert second is not None and second[1] != first[1]
    lease = JobLease.objects.get(key=first[0])
    assert (lease.owner, lease.attempts) == (second[1], 2)
    jobs.lease_release(*first)  # the first copy ending late does not remove the second's lease
    assert JobLease.objects.filter(key=first[0]).exists()
    jobs.lease_release(*second)
    assert not JobLease.objects.filter(key=first[0]).exists()


@pytest.mark.django_db
def test_the_sweeper_resends_a_stale_job_once_and_its_copy_takes_the_lease(settings):
    key, _ = _take(1)
    JobLease.objects.filter(key=key).update(
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOBS_STALE_SECONDS + 1)
    )
    assert jobs.jobs_sweep()["requeued"] == 1
    lease = JobLease.objects.get(key=key)
    assert (lease.status, lease.owner, lease.attempts) == (JobLease.Status.REQUEUED, "", 2)
    assert jobs.jobs_sweep()["requeued"] == 0  # waiting for a worker is not stale yet
    copy = _take(1)
    assert copy is not None
    assert JobLease.objects.get(key=key).attempts == 2  # the re-sent copy is the attempt already counted
    app.control.purge()  # the re-sent core.current_schema message


@pytest.mark.django_db
def test_after_the_last_attempt_the_sweeper_gives_up_and_the_provisioning_job_fails(settings):
    job = lifecycle.tenant_request(name="Doomed", slug="doomed-jobs", acting_user=None)
    lease = JobLease.objects.create(
        key=jobs.lease_key("tenancy.provision_tenant", [job.pk], {}, "public"), task="tenancy.provision_tenant",
        args=[job.pk], owner="dead", attempts=settings.JOBS_MAX_ATTEMPTS,
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOBS_STALE_SECONDS + 1), started_at=timezone.now(),
    )  # fmt: skip
    assert jobs.jobs_sweep()["gave_up"] == 1
    assert not JobLease.objects.filter(pk=lease.pk).exists()
    job.refresh_from_db()
    assert job.status == ProvisioningJob.Status.FAILED
    assert "stopped 3 times" in job.error
    assert Tenant.objects.get(pk=job.tenant_id).status == Tenant.Status.FAILED
