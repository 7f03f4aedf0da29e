"""Acme on a plan with Workplaces and its demo sites; Rae reports (with access), Ivy investigates (with
access), Ned has no access to the solution; the tenant admin is Acme's safety person."""

import datetime
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from apps.accounts.models import Membership
from apps.catalogue.tests.fixtures import catalogue  # noqa: F401
from apps.core.contributions import ScopeFamily, contribute, contributions, contributions_reset
from apps.core.events import subscribe, unsubscribe
from apps.incidents.services import incident_report
from apps.solutions.services import solution_access_grant
from apps.tenancy.models import Plan, Tenant
from apps.workplaces.demo import workplaces_demo_seed
from apps.workplaces.models import Workplace
from tests.factories import MembershipFactory

HOST = "acme.localhost"
API = "/api/v1/operations/incidents/"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


def photo(name: str = "floor.jpg", content: bytes = JPEG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


@pytest.fixture
def ops(acme, acme_admin, catalogue):  # noqa: F811 - the imported fixture
    plan = Plan.objects.create(name="ops-test", display_name="Ops (test)",
                               features={"solutions": ["workplaces", "tasks"], "integrations": []})  # fmt: skip
    Tenant.objects.filter(pk=acme.pk).update(plan=plan)
    acme.refresh_from_db()
    with tenant_context(acme):
        workplaces_demo_seed()
        people = {}
        for name, access in (("rae", True), ("ivy", True), ("ned", False)):
            user = MembershipFactory(tenant=acme, role=Membership.Role.MEMBER, user__email=f"{name}@acme.test",
                                     user__full_name=name.title()).user  # fmt: skip
            if access:
                solution_access_grant(solution_code="workplaces", user=user, acting_user=acme_admin)
            people[name] = user
        site = Workplace.objects.get(code="SYD-CBD")
    return SimpleNamespace(tenant=acme, admin=acme_admin, site=site, **people)


def report(ops: Any, *, by: Any = None, **extra: Any) -> Any:
    """An incident reported by `by` (Rae) in acme's schema (call inside tenant_context)."""
    values = {"title": "Slipped at the entrance", "type": "injury", "severity": "medium",
              "occurred_at": datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=2),
              "workplace": ops.site, "description": "Wet floor.", "acting_user": by or ops.rae}  # fmt: skip
    values.update(extra)
    return incident_report(**values)[0]


def api(user: Any) -> APIClient:
    client = APIClient(HTTP_HOST=HOST)
    client.force_authenticate(user)
    return client


@pytest.fixture
def operations_scope():
    """The `operations` scope family is the assets app's; declared here when this branch runs alone."""
    if not any(family.family == "operations" for family in contributions(ScopeFamily)):
        contribute(ScopeFamily("operations", "Operations", ("read", "write")))
        yield
        contributions_reset()
    else:
        yield


@pytest.fixture
def events():
    seen: list[tuple[str, dict]] = []

    def record(event, items):
        seen.extend((event, payload) for _, payload in items)

    subscribe("incident.*", record)
    yield seen
    unsubscribe("incident.*", record)


def new_client_id() -> str:
    return str(uuid.uuid4())
