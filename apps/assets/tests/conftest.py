import datetime
from types import SimpleNamespace

import pytest
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from apps.accounts.models import Membership
from apps.assets.services import asset_create, category_create
from apps.catalogue.tests.fixtures import acme_pro, catalogue, globex_pro, pro_plan, roles  # noqa: F401
from apps.core.events import subscribe, unsubscribe
from apps.organisation.services import profile_ensure
from apps.solutions.services import solution_access_grant
from apps.tasks.models import TaskTemplate, TemplateChecklistItem
from apps.tenancy.models import Plan, Tenant
from apps.workplaces.demo import workplaces_demo_seed
from apps.workplaces.models import Workplace
from tests.factories import MembershipFactory

HOST = "acme.localhost"
API = "/api/v1/operations/"
OPS_FEATURES = {"solutions": ["workplaces", "tasks", "attendance"], "integrations": []}


def on_ops_plan(tenant: Tenant) -> Tenant:
    plan, _ = Plan.objects.get_or_create(name="ops-test", defaults={"display_name": "Ops (test)",
                                                                     "features": OPS_FEATURES})  # fmt: skip
    Tenant.objects.filter(pk=tenant.pk).update(plan=plan)
    tenant.refresh_from_db()
    return tenant


@pytest.fixture
def ops(acme, acme_admin, catalogue):  # noqa: F811 - the imported fixture
    """Acme on a plan with Workplaces and Tasks, its demo sites, a FRIDGE category, a service template with a
    required checklist item, one fridge at the CBD store; ann has access to Workplaces, bob has not."""
    tenant = on_ops_plan(acme)
    with tenant_context(tenant):
        workplaces_demo_seed()
        people = {}
        for name, access in (("ann", True), ("bob", False)):
            user = MembershipFactory(tenant=tenant, role=Membership.Role.MEMBER, user__email=f"{name}@acme.test",
                                     user__full_name=name.title()).user  # fmt: skip
            profile_ensure(user=user, acting_user=None)
            if access:
                solution_access_grant(solution_code="workplaces", user=user, acting_user=acme_admin)
            people[name] = user
        template = TaskTemplate.objects.create(code="FRIDGE-SERVICE", name="Fridge service", estimated_minutes=60)
        TemplateChecklistItem.objects.create(template=template, position=1, text="Clean coils", is_required=True)
        fridges = category_create(code="FRIDGE", name="Refrigeration", acting_user=acme_admin)
        cbd = Workplace.objects.get(code="SYD-CBD")
        fridge = asset_create(name="Dairy fridge", category=fridges, site=cbd, serial_number="FR-1",
                              acting_user=acme_admin)  # fmt: skip
    return SimpleNamespace(tenant=tenant, admin=acme_admin, template=template, fridges=fridges, cbd=cbd,
                           fridge=fridge, **people)  # fmt: skip


def api(user, host=HOST):
    client = APIClient(HTTP_HOST=host)
    client.force_authenticate(user)
    return client


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


@pytest.fixture
def events():
    seen: list[tuple[str, dict]] = []

    def record(event, items):
        seen.extend((event, payload) for _, payload in items)

    for name in ("asset.*", "maintenance.*"):
        subscribe(name, record)
    yield seen
    for name in ("asset.*", "maintenance.*"):
        unsubscribe(name, record)
