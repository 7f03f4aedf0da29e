"""Two beat runs racing on real connections make each occurrence once (the rows are committed by the
workers and removed by the cleanup)."""

import datetime
import uuid

import pytest
from django_tenants.utils import tenant_context

from apps.inspections.models import Inspection, InspectionSchedule, InspectionTemplate
from apps.inspections.services import inspections_generate, schedule_create, template_publish
from apps.workplaces.models import Workplace
from apps.workplaces.services import workplace_create
from tests.utils import run_on_own_connections

from .conftest import SECTIONS


def _committed(fn):
    result = []
    run_on_own_connections(lambda: result.append(fn()), cleanup=lambda: None)
    return result[0]


@pytest.mark.django_db
def test_concurrent_generation_makes_each_occurrence_once(acme):
    tag = uuid.uuid4().hex[:6].upper()
    now = datetime.datetime.now(datetime.UTC)

    def setup():
        with tenant_context(acme):
            region = workplace_create(kind="region", code=f"R{tag}", name="R", acting_user=None)
            area = workplace_create(kind="area", code=f"A{tag}", name="A", parent=region, acting_user=None)
            site = workplace_create(kind="site", code=f"S{tag}", name="S", parent=area, acting_user=None,
                                    time_zone="Europe/Paris")  # fmt: skip
            template = template_publish(code=f"RACE{tag}", name="Race", sections=SECTIONS, acting_user=None)
            schedule = schedule_create(template_code=template.code, workplace=site, rrule="FREQ=DAILY;COUNT=30",
                                       starts_on=now.date(), time_of_day=datetime.time(23, 30),
                                       acting_user=None)  # fmt: skip
            return schedule.pk, template.code, [region.pk, area.pk, site.pk]

    schedule_pk, code, workplace_ids = _committed(setup)
    made = []

    def run():
        with tenant_context(acme):
            made.append(inspections_generate(now=now))

    def cleanup():
        with tenant_context(acme):
            Inspection.objects.filter(schedule_id=schedule_pk).delete()
            Inspection.history.filter(schedule_id=schedule_pk).delete()
            InspectionSchedule.objects.filter(pk=schedule_pk).delete()
            InspectionSchedule.history.filter(id=schedule_pk).delete()
            InspectionTemplate.objects.filter(code=code).delete()
            InspectionTemplate.history.filter(code=code).delete()
            for pk in reversed(workplace_ids):
                Workplace.objects.filter(pk=pk).delete()
                Workplace.history.filter(id=pk).delete()

    try:
        run_on_own_connections(run, run, run, cleanup=lambda: None)
        with tenant_context(acme):
            keys = list(Inspection.objects.filter(schedule_id=schedule_pk).values_list("occurrence_key", flat=True))
        assert len(keys) == len(set(keys)) == sum(made) and len(keys) in (14, 15)
    finally:
        _committed(cleanup)
