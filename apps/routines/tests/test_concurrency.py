"""Two generators racing on their own connections write each occurrence once (the rows are committed by
the workers and removed by the cleanup)."""

import datetime
import uuid

import pytest
from django_tenants.utils import tenant_context

from apps.core.events import subscribe, unsubscribe
from apps.notifications.subscriber import on_event
from apps.routines.generation import routines_generate
from apps.routines.models import Occurrence, OccurrenceTask, Routine, RoutineTask
from apps.tasks.models import Task
from apps.webhooks.subscribers import webhook_events_write
from apps.workplaces.models import Workplace
from apps.workplaces.services import workplace_create
from tests.utils import run_on_own_connections

NOW = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
START, NINE = datetime.date(2026, 3, 1), datetime.time(9)


@pytest.fixture
def subscribers_off():
    unsubscribe("*", on_event)
    unsubscribe("*", webhook_events_write)
    yield
    subscribe("*", on_event)
    subscribe("*", webhook_events_write)


@pytest.mark.django_db
def test_two_concurrent_runs_write_each_occurrence_once(acme, subscribers_off):
    tag = uuid.uuid4().hex[:6].upper()
    made: dict[str, list] = {}

    def setup():
        with tenant_context(acme):
            site = workplace_create(kind="region", code=f"RT{tag}", name="Race", acting_user=None)
            ids = []
            for i in range(20):
                routine = Routine.objects.create(
                    name=f"Race {i}", workplace=site, rrule="FREQ=DAILY;COUNT=30", start_date=START, start_time=NINE
                )
                RoutineTask.objects.create(routine=routine, position=1, title="Check")
                ids.append(routine.pk)
            made["ids"], made["site"] = ids, site.pk

    run_on_own_connections(setup, cleanup=lambda: None)
    results = []

    def generate():
        with tenant_context(acme):
            results.append(routines_generate(now=NOW, routine_ids=made["ids"], batch_size=7))

    def cleanup():
        with tenant_context(acme):
            occurrences = Occurrence.objects.filter(routine_id__in=made["ids"])
            task_ids = list(OccurrenceTask.objects.filter(occurrence__in=occurrences).values_list("task_id", flat=True))
            occurrences.delete()
            Task.objects.filter(pk__in=task_ids).delete()
            Task.history.filter(id__in=task_ids).delete()
            RoutineTask.objects.filter(routine_id__in=made["ids"]).delete()
            RoutineTask.history.filter(routine_id__in=made["ids"]).delete()
            Routine.objects.filter(pk__in=made["ids"]).delete()
            Routine.history.filter(id__in=made["ids"]).delete()
            Workplace.objects.filter(pk=made["site"]).delete()

    try:
        run_on_own_connections(generate, generate, cleanup=lambda: None)
        with tenant_context(acme):
            # 14 days ahead of 1 March 00:00 UTC at 09:00 UTC: 14 occurrences each, one task each.
            assert sorted(results) == [(0, 0), (20 * 14, 20 * 14)]
            assert Occurrence.objects.filter(routine_id__in=made["ids"]).count() == 280
            assert OccurrenceTask.objects.filter(occurrence__routine_id__in=made["ids"]).count() == 280
    finally:
        run_on_own_connections(cleanup, cleanup=lambda: None)
