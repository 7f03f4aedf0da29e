import datetime
from types import SimpleNamespace

import pytest
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from apps.accounts.models import Membership
from apps.catalogue.tests.fixtures import acme_pro, catalogue, globex_pro, pro_plan, roles  # noqa: F401
from apps.solutions.services import solution_access_grant
from apps.tasks.models import TaskTemplate, TemplateChecklistItem
from apps.workplaces.demo import workplaces_demo_seed
from apps.workplaces.models import Workplace
from apps.workplaces.services import workplace_create
from tests.factories import MembershipFactory

HOST = "acme.localhost"
ROUTINES = "/api/v1/tasks/routines/"


@pytest.fixture
def world(acme_pro, acme_admin):  # noqa: F811 - the imported fixture
    """Acme with the Tasks solution, its demo sites (Sydney), a London site, a template with a required
    item; ann may use Tasks, bob may not."""
    with tenant_context(acme_pro):
        workplaces_demo_seed()
        metro = Workplace.objects.get(code="SYD-METRO")
        london = workplace_create(kind="site", code="LDN-1", name="London Store", parent=metro, acting_user=None,
                                  time_zone="Europe/London")  # fmt: skip
        template = TaskTemplate.objects.create(code="RT-CHECK", name="Shelf check", required_evidence=["photo"])
        TemplateChecklistItem.objects.create(template=template, position=1, text="Count facings", is_required=True)
        TemplateChecklistItem.objects.create(template=template, position=2, text="Tidy", is_required=False)
        people = {}
        for name, access in (("ann", True), ("bob", False)):
            user = MembershipFactory(tenant=acme_pro, role=Membership.Role.MEMBER, user__email=f"{name}@acme.test",
                                     user__full_name=name.title()).user  # fmt: skip
            if access:
                solution_access_grant(solution_code="tasks", user=user, acting_user=acme_admin)
            people[name] = user
        sydney = Workplace.objects.get(code="SYD-CBD")
    return SimpleNamespace(tenant=acme_pro, admin=acme_admin, sydney=sydney, london=london, template=template,
                           **people)  # fmt: skip


def api(user, host=HOST):
    client = APIClient(HTTP_HOST=host)
    client.force_authenticate(user)
    return client


def weekly(day=datetime.date(2026, 3, 2), count=10, byday="MO"):
    return {"rrule": f"FREQ=WEEKLY;BYDAY={byday};COUNT={count}", "start_date": day, "start_time": datetime.time(9)}
