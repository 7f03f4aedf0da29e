import pytest
from django_tenants.utils import tenant_context

from apps.inspections.demo import CODE, inspections_demo_seed
from apps.inspections.models import Inspection, InspectionSchedule, InspectionTemplate
from apps.tasks.models import Task

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_has_an_open_corrective_task(world):
    with tenant_context(world.tenant):
        assert inspections_demo_seed() > 0
        first = Inspection.objects.count()
        assert inspections_demo_seed() == 0
        assert Inspection.objects.count() == first
        template = InspectionTemplate.objects.get(code=CODE, is_current=True)
        assert template.items.count() == 8 and template.pass_mark == 80
        assert InspectionSchedule.objects.filter(template_code=CODE).count() == 2  # one per Acme store
        failed = Inspection.objects.get(status="submitted", template=template)
        assert failed.passed is False
        answer = failed.answers.get(failed=True)
        assert Task.objects.get(pk=answer.corrective_task_id).status == "todo"
