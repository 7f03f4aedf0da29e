"""Acme on a plan with Tasks, its demo sites, and people: ann (with access) reports to mia (with access,
her manager); bob has access too; cat is a member without access. mia holds the role "Store lead"
scoped to the root entity, so she may claim role tasks at any store."""

from types import SimpleNamespace

import pytest
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from apps.access.services import assignment_create, role_create
from apps.accounts.models import Membership
from apps.catalogue.tests.fixtures import acme_pro, catalogue, globex_pro, pro_plan  # noqa: F401
from apps.core.events import subscribe, unsubscribe
from apps.organisation.models import MemberProfile
from apps.organisation.selectors import entity_root
from apps.organisation.services import profile_ensure, profile_update
from apps.solutions.services import solution_access_grant
from apps.workplaces.demo import workplaces_demo_seed
from apps.workplaces.models import Workplace
from tests.factories import MembershipFactory

HOST = "acme.localhost"
TASKS = "/api/v1/tasks/"
CBD = (-33.8731, 151.2065)  # Sydney CBD Store's fence centre (workplaces demo), 150 m radius


@pytest.fixture
def world(acme_pro, acme_admin):  # noqa: F811 - the imported fixture
    with tenant_context(acme_pro):
        workplaces_demo_seed()
        people = {}
        for name, access in (("ann", True), ("mia", True), ("bob", True), ("cat", False)):
            user = MembershipFactory(tenant=acme_pro, role=Membership.Role.MEMBER, user__email=f"{name}@acme.test",
                                     user__full_name=f"{name.title()} Tester").user  # fmt: skip
            profile_ensure(user=user, acting_user=None)
            if access:
                solution_access_grant(solution_code="tasks", user=user, acting_user=acme_admin)
            people[name] = user
        solution_access_grant(solution_code="tasks", user=acme_admin, acting_user=acme_admin)
        profile_update(profile=MemberProfile.objects.get(user=people["ann"]),
                       manager=MemberProfile.objects.get(user=people["mia"]), acting_user=None)  # fmt: skip
        lead = role_create(code="store-lead", name="Store lead", permissions=[], acting_user=acme_admin)
        assignment_create(role=lead, user=people["mia"], scope_entity=entity_root(), acting_user=acme_admin)
        assignment_create(role=lead, user=people["bob"], scope_entity=entity_root(), acting_user=acme_admin)
        cbd = Workplace.objects.get(code="SYD-CBD")
    return SimpleNamespace(tenant=acme_pro, admin=acme_admin, lead=lead, cbd=cbd, **people)


def api(user, host=HOST):
    client = APIClient(HTTP_HOST=host)
    client.force_authenticate(user)
    return client


@pytest.fixture
def events():
    seen: list[tuple[str, dict]] = []

    def record(event, items):
        seen.extend((event, payload) for _, payload in items)

    subscribe("task.*", record)
    yield seen
    unsubscribe("task.*", record)
