import datetime
import uuid
from types import SimpleNamespace

import pytest
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from apps.accounts.models import Membership
from apps.catalogue.tests.fixtures import acme_pro, catalogue, globex_pro, pro_plan, roles  # noqa: F401
from apps.core.events import subscribe, unsubscribe
from apps.organisation.models import MemberProfile
from apps.organisation.services import profile_ensure, profile_update
from apps.solutions.services import solution_access_grant
from apps.workplaces.demo import workplaces_demo_seed
from tests.factories import MembershipFactory

HOST = "acme.localhost"
PUNCHES = "/api/v1/attendance/punches/"
# Sydney CBD Store's fence (workplaces demo): a circle of 150 m around this point.
CBD = (-33.8731, 151.2065)
PARRAMATTA = (-33.8173, 151.0034)


@pytest.fixture
def clock(acme_pro, acme_admin):  # noqa: F811 - the imported fixture
    """Acme on a plan with Attendance and its demo sites; ann (with access) reports to mia (with access);
    bob is a member without access."""
    with tenant_context(acme_pro):
        workplaces_demo_seed()
        people = {}
        for name, access in (("ann", True), ("mia", True), ("bob", False)):
            user = MembershipFactory(tenant=acme_pro, role=Membership.Role.MEMBER, user__email=f"{name}@acme.test",
                                     user__full_name=name.title()).user  # fmt: skip
            profile_ensure(user=user, acting_user=None)
            if access:
                solution_access_grant(solution_code="attendance", user=user, acting_user=acme_admin)
            people[name] = user
        profile_update(profile=MemberProfile.objects.get(user=people["ann"]),
                       manager=MemberProfile.objects.get(user=people["mia"]), acting_user=None)  # fmt: skip
    return SimpleNamespace(tenant=acme_pro, admin=acme_admin, **people)


def api(user, host=HOST):
    client = APIClient(HTTP_HOST=host)
    client.force_authenticate(user)
    return client


def body(kind="in", *, at=None, lat=CBD[0], lng=CBD[1], accuracy_m=10, workplace="SYD-CBD", **extra):
    at = at or datetime.datetime.now(datetime.UTC)
    data = {"client_id": str(uuid.uuid4()), "kind": kind, "device_time": at.isoformat(), "lat": lat, "lng": lng,
            "accuracy_m": accuracy_m, "workplace": workplace}  # fmt: skip
    data.update(extra)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def events():
    """The time clock's events as published (after commit: captured on commit in tests)."""
    seen: list[tuple[str, dict]] = []

    def record(event, items):
        seen.extend((event, payload) for _, payload in items)

    subscribe("attendance.*", record)
    yield seen
    unsubscribe("attendance.*", record)
