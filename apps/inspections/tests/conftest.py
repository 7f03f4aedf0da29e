import datetime
import uuid
from types import SimpleNamespace

import pytest
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from apps.accounts.models import Membership
from apps.catalogue.tests.fixtures import _on_plan, catalogue  # noqa: F401
from apps.core.events import subscribe, unsubscribe
from apps.inspections.services import template_publish
from apps.organisation.services import profile_ensure
from apps.solutions.services import solution_access_grant
from apps.tenancy.models import Plan
from apps.workplaces.demo import workplaces_demo_seed
from apps.workplaces.models import Workplace
from tests.factories import MembershipFactory

HOST = "acme.localhost"
API = "/api/v1/operations/inspections/"
FEATURES = {"solutions": ["attendance", "tasks", "workplaces", "leave"], "integrations": ["webhook"]}
# weights: exits 3 (pass/fail), tags 2 (yes/no/na), aisles 2 (score 0..4, fails below 2), kit 1 (optional y/n/na)
SECTIONS = [
    {"title": "Exits", "items": [
        {"question": "Fire exits clear", "kind": "pass_fail", "weight": 3, "corrective_title": "Clear the exits"},
        {"question": "Extinguishers tagged", "kind": "yes_no_na", "weight": 2},
    ]},
    {"title": "Floor", "items": [
        {"question": "Aisles tidy", "kind": "score", "max_score": 4, "fail_below": 2, "weight": 2},
        {"question": "First-aid kit complete", "kind": "yes_no_na", "is_required": False, "opens_task": False},
    ]},
]  # fmt: skip


@pytest.fixture
def ops_plan(catalogue):  # noqa: F811 - the imported fixture
    return Plan.objects.create(name="ops-test", display_name="Ops (test)", features=FEATURES)


@pytest.fixture
def world(acme, ops_plan, acme_admin):
    """Acme with Workplaces, its demo sites and a SAFE template; ann has access, bob has not."""
    tenant = _on_plan(acme, ops_plan)
    with tenant_context(tenant):
        workplaces_demo_seed()
        people = {}
        for name, access in (("ann", True), ("eve", True), ("bob", False)):
            user = MembershipFactory(tenant=tenant, role=Membership.Role.MEMBER, user__email=f"{name}@acme.test",
                                     user__full_name=name.title()).user  # fmt: skip
            profile_ensure(user=user, acting_user=None)
            if access:
                solution_access_grant(solution_code="workplaces", user=user, acting_user=acme_admin)
            people[name] = user
        template = template_publish(code="SAFE", name="Safety walk", sections=SECTIONS, pass_mark=80,
                                    acting_user=acme_admin)  # fmt: skip
        site = Workplace.objects.get(code="SYD-CBD")
    return SimpleNamespace(tenant=tenant, admin=acme_admin, template=template, site=site, **people)


def items(template):
    return {item.question: item for item in template.items.all()}


def answers(template, **values):
    """Answers by short name: exits, tags, aisles, kit (default: all good, kit left out)."""
    names = {"exits": "Fire exits clear", "tags": "Extinguishers tagged", "aisles": "Aisles tidy",
             "kit": "First-aid kit complete"}  # fmt: skip
    chosen = {"exits": "pass", "tags": "yes", "aisles": "4", **values}
    by_question = items(template)
    return [{"item": by_question[names[key]].pk, "value": value} for key, value in chosen.items() if value is not None]


def api(user, host=HOST):
    client = APIClient(HTTP_HOST=host)
    client.force_authenticate(user)
    return client


def new_id():
    return str(uuid.uuid4())


@pytest.fixture
def events():
    seen: list[tuple[str, dict]] = []

    def record(event, batch):
        seen.extend((event, payload) for _, payload in batch)

    subscribe("inspection.*", record)
    yield seen
    unsubscribe("inspection.*", record)


MONDAY_9 = datetime.time(9)
