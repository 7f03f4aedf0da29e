import datetime
from types import SimpleNamespace

import pytest
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from apps.accounts.models import Membership
from apps.catalogue.tests.fixtures import acme_pro, catalogue, globex_pro, pro_plan  # noqa: F401
from apps.core.events import subscribe, unsubscribe
from apps.organisation.models import MemberProfile
from apps.organisation.services import profile_ensure, profile_update
from apps.solutions.services import solution_access_grant
from apps.tasks.models import Task
from apps.tasks.services import task_create
from apps.workplaces.demo import workplaces_demo_seed
from apps.workplaces.models import Workplace
from tests.factories import MembershipFactory

HOST = "acme.localhost"
API = "/api/v1/tasks/time/"
SYDNEY = datetime.timezone(datetime.timedelta(hours=11))  # December in Sydney (daylight saving)


@pytest.fixture
def ts(acme_pro, acme_admin):  # noqa: F811 - the imported fixture
    """Acme on a plan with Tasks and its demo sites; ann (with access) reports to mia (with access); bob is a
    member without access. Tasks at Sydney CBD: ann's, mia's, a role-free open one, and a done one of ann's."""
    with tenant_context(acme_pro):
        workplaces_demo_seed()
        site = Workplace.objects.get(code="SYD-CBD")
        people = {}
        for name, access in (("ann", True), ("mia", True), ("bob", False)):
            user = MembershipFactory(tenant=acme_pro, role=Membership.Role.MEMBER, user__email=f"{name}@acme.test",
                                     user__full_name=name.title()).user  # fmt: skip
            profile_ensure(user=user, acting_user=None)
            if access:
                solution_access_grant(solution_code="tasks", user=user, acting_user=acme_admin)
            people[name] = user
        profile_update(profile=MemberProfile.objects.get(user=people["ann"]),
                       manager=MemberProfile.objects.get(user=people["mia"]), acting_user=None)  # fmt: skip
        tasks = {
            "ann": task_create(title="Ann's store visit", acting_user=acme_admin, assignee=people["ann"],
                               workplace=site),
            "mia": task_create(title="Mia's audit", acting_user=acme_admin, assignee=people["mia"], workplace=site),
            "open": task_create(title="Anyone's restock", acting_user=acme_admin, workplace=site),
            "done": task_create(title="Ann's finished visit", acting_user=acme_admin, assignee=people["ann"],
                                workplace=site),
        }  # fmt: skip
        Task.objects.filter(pk=tasks["done"].pk).update(status="done", completed_at=site.created_at)
        tasks["done"].refresh_from_db()
    return SimpleNamespace(tenant=acme_pro, admin=acme_admin, site=site, tasks=tasks, **people)


def api(user, host=HOST):
    client = APIClient(HTTP_HOST=host)
    client.force_authenticate(user)
    return client


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A Sydney wall time in December 2026."""
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=SYDNEY)


@pytest.fixture
def events():
    seen: list[tuple[str, dict]] = []

    def record(event, items):
        seen.extend((event, payload) for _, payload in items)

    subscribe("time_entry.*", record)
    yield seen
    unsubscribe("time_entry.*", record)
