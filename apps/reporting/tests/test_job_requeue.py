"""A report run whose worker died: the jobs sweeper (apps.core.jobs) queues it again, then re-sends it."""

import datetime
from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.core import jobs
from apps.core.models import JobLease
from apps.reporting.models import ReportRun
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
