"""Acme on a plan with Reports (and the solutions the datasets read) and its demo sites; Rae builds reports
(with access to Reports), Ned has no access; the tenant admin sees everything. Tasks sent to Celery are
recorded instead of sent."""

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from apps.accounts.models import Membership
from apps.attendance.models import AttendanceRecord
from apps.catalogue.tests.fixtures import catalogue  # noqa: F401
from apps.core.events import subscribe, unsubscribe
from apps.reporting import services
from apps.solutions.services import solution_access_grant
from apps.tenancy.models import Plan, Tenant
from apps.workplaces.demo import workplaces_demo_seed
from apps.workplaces.models import Workplace
from tests.factories import MembershipFactory

HOST = "acme.localhost"
API = "/api/v1/reports/"


@pytest.fixture(autouse=True)
def sent_tasks(monkeypatch):
    """Celery tasks the services send (by name), recorded: [(name, args, countdown)]."""
    sent: list[tuple[str, list[Any], int]] = []

    class App:
        @staticmethod
        def send_task(name, args=None, countdown=0, **options):
            sent.append((name, list(args or []), countdown))

    monkeypatch.setattr(services, "current_app", App)
    return sent


@pytest.fixture
def rep(acme, acme_admin, catalogue):  # noqa: F811 - the imported fixture
    plan = Plan.objects.create(name="reports-test", display_name="Reports (test)",
                               features={"solutions": ["reports", "attendance", "workplaces", "tasks", "leave"],
                                         "integrations": []})  # fmt: skip
    Tenant.objects.filter(pk=acme.pk).update(plan=plan, time_zone="Australia/Sydney")
    acme.refresh_from_db()
    with tenant_context(acme):
        workplaces_demo_seed()
        people = {}
        for name, access in (("rae", True), ("ivy", True), ("ned", False)):
            user = MembershipFactory(tenant=acme, role=Membership.Role.MEMBER, user__email=f"{name}@acme.test",
                                     user__full_name=name.title()).user  # fmt: skip
            if access:
                solution_access_grant(solution_code="reports", user=user, acting_user=acme_admin)
            people[name] = user
        site = Workplace.objects.get(code="SYD-CBD")
    return SimpleNamespace(tenant=acme, admin=acme_admin, site=site, **people)


def attendance(user: Any, day: datetime.date, site: Any, **values: Any) -> AttendanceRecord:
    fields = {"status": "present", "scheduled_minutes": 480, "worked_minutes": 480, "computation_hash": "x",
              "computed_at": timezone.now(), **values}  # fmt: skip
    return AttendanceRecord.objects.create(user=user, date=day, workplace=site, **fields)


def definition(by: Any, **values: Any) -> Any:
    fields: dict[str, Any] = {
        "name": "Attendance by person", "dataset": "attendance", "grouping": "person", "period": "fixed",
        "period_start": datetime.date(2026, 3, 2), "period_end": datetime.date(2026, 3, 8),
    }  # fmt: skip
    fields.update(values)
    return services.definition_create(acting_user=by, **fields)


def api(user: Any) -> APIClient:
    client = APIClient(HTTP_HOST=HOST)
    client.force_authenticate(user)
    return client


@pytest.fixture
def events():
    seen: list[tuple[str, dict]] = []

    def record(event, items):
        seen.extend((event, payload) for _, payload in items)

    subscribe("report.*", record)
    yield seen
    unsubscribe("report.*", record)
