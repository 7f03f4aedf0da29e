"""A report run whose worker died: the jobs sweeper (apps.core.jobs) queues it again, then re-sends it."""

import datetime
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.core import jobs
from apps.core.models import JobLease
from apps.reporting import delivery, services
from apps.reporting.models import GeneratedReport, ReportRun
from config.celery import app

from .conftest import definition


def _running_run(rep):
    with tenant_context(rep.tenant):
        return ReportRun.objects.create(definition=definition(rep.rae), occurrence_key="",
                                        scheduled_for=datetime.datetime(2029, 12, 1, tzinfo=datetime.UTC),
                                        format="csv", status="running", started_at=timezone.now())  # fmt: skip


def test_a_stale_run_is_queued_again_and_re_sent_in_its_schema(rep, settings):
    run = _running_run(rep)
    schema = rep.tenant.schema_name
    JobLease.objects.create(
        key=jobs.lease_key("reporting.run_execute", [schema, run.pk], {}, schema), task="reporting.run_execute",
        args=[schema, run.pk], schema_name=schema, owner="dead",
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOBS_STALE_SECONDS + 1), started_at=timezone.now(),
    )  # fmt: skip
    assert jobs.jobs_sweep()["requeued"] == 1
    with tenant_context(rep.tenant):
        run.refresh_from_db()
    assert run.status == "queued"
    app.control.purge()  # the re-sent message


class WorkerDied(BaseException):
    """What a kill -9 looks like from inside the run: nothing after it happens (not an Exception, so the
    run's own failure handling does not see it)."""


def test_a_run_re_sent_after_its_worker_died_mid_send_makes_no_second_file(rep, monkeypatch):
    """The worker made the file (committed) and was sending the emails when it died: the re-sent run sends
    the same file under the same Message-IDs, and the schedule's history has one file, not two."""
    mail.outbox.clear()
    with tenant_context(rep.tenant):
        made = services.schedule_create(definition=definition(rep.rae), rrule="FREQ=WEEKLY;BYDAY=MO",
                                        starts_at=datetime.datetime(2026, 9, 14, 8, 0), time_zone="UTC",
                                        people=[rep.rae, rep.ivy], acting_user=rep.rae,
                                        now=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC))  # fmt: skip
        run = services.schedule_send_now(schedule=made, acting_user=rep.rae)
        real_send = delivery.email_send_many

        def send_one_then_die(**kwargs):
            real_send(**{**kwargs, "messages": kwargs["messages"][:1], "message_ids": kwargs["message_ids"][:1]})
            raise WorkerDied

        with monkeypatch.context() as patched:
            patched.setattr(delivery, "email_send_many", send_one_then_die)
            with pytest.raises(WorkerDied):
                services.run_execute(run_id=run.pk)
        assert services.runs_requeue(run_ids=[run.pk]) == 1  # the sweeper's requeue hook
        done = services.run_execute(run_id=run.pk)
        assert (done.status, done.recipients, done.attempts) == ("sent", 2, 2)
        assert GeneratedReport.objects.filter(schedule=made).count() == 1
    ids = {}
    for message in mail.outbox:
        ids.setdefault(message.to[0], set()).add(message.message()["Message-ID"])
    assert sorted(m.to[0] for m in mail.outbox) == ["ivy@acme.test", "ivy@acme.test", "rae@acme.test"]
    assert all(len(found) == 1 for found in ids.values())  # Ivy's copy is the same message
