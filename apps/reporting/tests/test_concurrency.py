"""Three beats racing on real connections make each due occurrence's run once (the rows are committed by the
workers and removed by the cleanup)."""

import datetime

import pytest
from django_tenants.utils import tenant_context

from apps.reporting import services
from apps.reporting.models import ExternalRecipient, ReportDefinition, ReportRun, ReportSchedule
from tests.utils import run_on_own_connections

UTC = datetime.UTC


def _committed(fn):
    result = []
    run_on_own_connections(lambda: result.append(fn()), cleanup=lambda: None)
    return result[0]


@pytest.mark.django_db
def test_concurrent_beats_make_each_run_once(acme):
    now = datetime.datetime(2026, 9, 13, 22, 1, tzinfo=UTC)

    def setup():
        with tenant_context(acme):
            definition = ReportDefinition.objects.create(name="Race", dataset="attendance", grouping="person",
                                                         columns=["days"])  # fmt: skip
            ids = []
            for hour in (8, 8, 9):  # two schedules due at 22:00 UTC, one not yet (23:00)
                schedule = ReportSchedule.objects.create(
                    definition=definition, rrule="FREQ=WEEKLY;BYDAY=MO", time_zone="Australia/Sydney",
                    starts_at=datetime.datetime(2026, 9, 14, hour, tzinfo=services.zone("Australia/Sydney")),
                    next_run_at=datetime.datetime(2026, 9, 13, 22 + hour - 8, tzinfo=UTC),
                )  # fmt: skip
                ExternalRecipient.objects.create(schedule=schedule, email="race@example.com")
                ids.append(schedule.pk)
            return definition.pk, ids

    definition_pk, schedule_ids = _committed(setup)
    made: list[list[int]] = []

    def beat():
        with tenant_context(acme):
            made.append(services.runs_create_due(now=now))

    def cleanup():
        with tenant_context(acme):
            ReportRun.objects.filter(definition_id=definition_pk).delete()
            ReportDefinition.objects.filter(pk=definition_pk).delete()  # its schedules and recipients with it
            ExternalRecipient.history.filter(schedule_id__in=schedule_ids).delete()
            ReportSchedule.history.filter(id__in=schedule_ids).delete()
            ReportDefinition.history.filter(id=definition_pk).delete()

    try:
        run_on_own_connections(beat, beat, beat, cleanup=lambda: None)
        with tenant_context(acme):
            runs = list(
                ReportRun.objects.filter(definition_id=definition_pk).values_list("schedule_id", "occurrence_key")
            )
        assert sorted(runs) == [(schedule_ids[0], "2026-09-14T08:00"), (schedule_ids[1], "2026-09-14T08:00")]
        assert sum(len(batch) for batch in made) == 2
    finally:
        _committed(cleanup)
