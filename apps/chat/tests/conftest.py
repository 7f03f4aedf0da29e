"""Acme on a plan with Chat; Ann, Bob and Cy use chat (solution access), Ned does not; the tenant admin
moderates. Socket frames are caught by a fake sink (apps/chat/live.py), played on commit."""

from types import SimpleNamespace
from typing import Any

import pytest
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from apps.accounts.models import Membership
from apps.catalogue.tests.fixtures import catalogue  # noqa: F401
from apps.chat import live
from apps.core.events import subscribe, unsubscribe
from apps.solutions.services import solution_access_grant
from apps.tenancy.models import Plan, Tenant
from tests.factories import MembershipFactory

HOST = "acme.localhost"
API = "/api/v1/chat/"


class FakeSink:
    def __init__(self) -> None:
        self.frames: list[tuple[str, dict[str, Any], str]] = []
        self.joins: list[tuple[str, str, bool]] = []

    def publish(self, topic: str, data: dict[str, Any], schema_name: str) -> None:
        self.frames.append((topic, data, schema_name))

    def subscribe(self, user_id: Any, topic: str, schema_name: str, *, leave: bool = False) -> None:
        self.joins.append((str(user_id), topic, leave))

    def events(self, name: str) -> list[dict[str, Any]]:
        return [data for _, data, _ in self.frames if data.get("event") == name]


@pytest.fixture
def sink(monkeypatch):
    fake = FakeSink()
    monkeypatch.setattr(live, "sink", fake)
    return fake


@pytest.fixture
def chat(acme, acme_admin, catalogue, sink):  # noqa: F811 - the imported fixture
    plan = Plan.objects.create(name="chat-test", display_name="Chat (test)",
                               features={"solutions": ["chat", "workplaces"], "integrations": []})  # fmt: skip
    Tenant.objects.filter(pk=acme.pk).update(plan=plan)
    acme.refresh_from_db()
    with tenant_context(acme):
        people = {}
        for name, access in (("ann", True), ("bob", True), ("cy", True), ("ned", False)):
            user = MembershipFactory(tenant=acme, role=Membership.Role.MEMBER, user__email=f"{name}@acme.test",
                                     user__full_name=f"{name.title()} Smith").user  # fmt: skip
            if access:
                solution_access_grant(solution_code="chat", user=user, acting_user=acme_admin)
            people[name] = user
    return SimpleNamespace(tenant=acme, admin=acme_admin, sink=sink, **people)


def api(user: Any) -> APIClient:
    client = APIClient(HTTP_HOST=HOST)
    client.force_authenticate(user)
    return client


@pytest.fixture
def events():
    seen: list[tuple[str, dict]] = []

    def record(event, items):
        seen.extend((event, payload) for _, payload in items)

    subscribe("chat.*", record)
    yield seen
    unsubscribe("chat.*", record)
