"""Globex's reports for the isolation matrix (tests/isolation_world.py): a definition, a schedule (with an
external address), a run and a generated file whose names carry the canary, and globex's signed download and
confirmation links; acme's people must neither see nor act on them by id, and globex's links open nothing on
acme's domain."""

import datetime
from importlib import import_module
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

# Read at run time: a static import would pull tests/isolation_world.py into `mypy apps`.
CANARY: str = import_module("tests.isolation_world").CANARY

# The Celery task that renders and sends a run, given globex's run from acme (tests/test_isolation_matrix.py).
TASK_ARGUMENTS = {"run_id": "report_run_id"}

SEGMENTS = {
    ("definitions", "pk"): "report_definition_id",
    ("schedules", "pk"): "report_schedule_id",
    ("runs", "pk"): "report_run_id",
    ("files", "pk"): "generated_report_id",
    ("link", "token"): "report_download_token",
    ("confirm", "token"): "report_confirm_token",
}


def build(world: Any) -> None:
    from apps.reporting import links
    from apps.reporting.models import (
        ExternalRecipient,
        GeneratedReport,
        ReportDefinition,
        ReportRun,
        ReportSchedule,
    )

    schema, keep, subject = world.globex.schema_name, world.keep, world.users["globex_subject"]
    now = timezone.now()
    definition = keep(schema, ReportDefinition.objects.create(
        name=f"Report {CANARY}", description=f"About {CANARY}", dataset="attendance", grouping="person",
        columns=["days"], owner=subject,
    ))  # fmt: skip
    schedule = keep(schema, ReportSchedule.objects.create(
        definition=definition, rrule="FREQ=WEEKLY;BYDAY=MO", starts_at=now, time_zone="UTC", owner=subject,
        next_run_at=now + datetime.timedelta(days=7),
    ))  # fmt: skip
    schedule.people.add(subject)
    recipient = keep(schema, ExternalRecipient.objects.create(schedule=schedule, email=f"{CANARY}@example.com"))
    report = GeneratedReport(
        definition=definition, title=f"Report {CANARY}", format="csv", size=20, rows=1, period_start=now.date(),
        period_end=now.date(), generated_at=now, schedule=schedule,
    )  # fmt: skip
    report.file.save("matrix.csv", ContentFile(f"Person\n{CANARY}\n".encode()), save=False)
    report.save()
    keep(schema, report)
    run = keep(schema, ReportRun.objects.create(
        definition=definition, schedule=schedule, occurrence_key="2026-03-02T08:00", scheduled_for=now,
        format="csv", status="sent", report=report, error=f"Error {CANARY}",
    ))  # fmt: skip
    world.values["report_definition_id"] = (definition.pk, True)
    world.values["report_schedule_id"] = (schedule.pk, True)
    world.values["report_run_id"] = (run.pk, True)
    world.values["generated_report_id"] = (report.pk, True)
    world.values["report_download_token"] = (links.download_token(report.pk, f"{CANARY}@example.com"), True)
    world.values["report_confirm_token"] = (links.confirm_token(recipient.pk, recipient.email), True)
