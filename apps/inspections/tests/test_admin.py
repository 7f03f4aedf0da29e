"""The staff admin of inspections: read-only, every changelist in a constant number of queries."""

import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.assets.tests.admin_checks import assert_read_only_and_constant
from apps.inspections.models import Inspection, InspectionSchedule, InspectionTemplate
from apps.inspections.services import inspection_start, inspection_submit, schedule_create, template_publish

from .conftest import SECTIONS, answers, new_id

pytestmark = pytest.mark.django_db
MODELS = [InspectionTemplate, InspectionSchedule, Inspection]


def _more(world, n: int) -> None:
    with tenant_context(world.tenant):
        for i in range(n):
            template = template_publish(code=f"WALK-{n}-{i}", name="Walk", sections=SECTIONS, acting_user=None)
            schedule_create(template_code=template.code, workplace=world.site, rrule="FREQ=DAILY;COUNT=2",
                            starts_on=timezone.localdate(), time_of_day=datetime.time(9), assignee=world.ann,
                            acting_user=world.admin)  # fmt: skip
            done = inspection_start(template=world.template, workplace=world.site, acting_user=world.ann)
            inspection_submit(inspection=done, answers=answers(world.template), client_id=new_id(),
                              acting_user=world.ann)  # fmt: skip


@pytest.mark.parametrize("model", MODELS)
def test_changelists_do_not_query_per_row(model, world, platform_superuser, settings):
    settings.ROOT_URLCONF = "config.urls.platform"
    assert_read_only_and_constant(model, tenant=world.tenant, user=platform_superuser,
                                  more=lambda n: _more(world, n))  # fmt: skip
