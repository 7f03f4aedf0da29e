"""Acme on a plan with Reports (and Workplaces, Tasks), its demo sites, a small team: Mia manages Fay;
Fay, Mia and Sue may use reports; Ned may not. `store_visit` is a published "Store visit" form."""

import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from apps.accounts.models import Membership
from apps.catalogue.tests.fixtures import catalogue  # noqa: F401
from apps.core.events import subscribe, unsubscribe
from apps.forms.services import template_create, template_publish
from apps.organisation.services import profile_ensure
from apps.solutions.services import solution_access_grant
from apps.tenancy.models import Plan, Tenant
from apps.workplaces.demo import workplaces_demo_seed
from apps.workplaces.models import Workplace
from tests.factories import MembershipFactory

HOST = "acme.localhost"
API = "/api/v1/reports/forms/"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

STORE_VISIT = {"sections": [
    {"title": "Shelf", "fields": [
        {"key": "shelf_share", "label": "Shelf share", "type": "number", "required": True,
         "config": {"unit": "%", "min": 0, "max": 100}},
        {"key": "facings", "label": "Facings", "type": "number", "required": True,
         "config": {"min": 0, "integer": True}},
        {"key": "price", "label": "Price seen", "type": "number", "config": {"unit": "AUD", "min": 0}},
        {"key": "value", "label": "Shelf value", "type": "computed", "config": {"formula": "facings * price"}},
        {"key": "compliant", "label": "Display compliant", "type": "single_choice", "required": True,
         "config": {"options": [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]}},
        {"key": "why_not", "label": "Why not compliant", "type": "text", "required": True,
         "config": {"condition": {"field": "compliant", "equals": "no"}}},
    ]},
    {"title": "Evidence", "fields": [
        {"key": "photos", "label": "Shelf photos", "type": "photo", "required": True,
         "config": {"min_photos": 1, "max_photos": 3}},
        {"key": "signature", "label": "Store manager's signature", "type": "signature"},
        {"key": "rating", "label": "Overall", "type": "rating", "config": {"scale": 5}},
    ]},
]}  # fmt: skip


def photo(name: str = "shelf.jpg", content: bytes = JPEG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def answers(**extra: Any) -> dict[str, Any]:
    return {"shelf_share": 34.5, "facings": 12, "price": "2.50", "compliant": "yes", "rating": 4, **extra}


def _member(tenant: Any, name: str) -> Any:
    return MembershipFactory(tenant=tenant, role=Membership.Role.MEMBER, user__email=f"{name}@acme.test",
                             user__full_name=name.title()).user  # fmt: skip


@pytest.fixture
def team(acme, acme_admin, catalogue):  # noqa: F811 - the imported fixture
    plan = Plan.objects.create(
        name="reports-test",
        display_name="Reports (test)",
        features={"solutions": ["reports", "workplaces", "tasks"], "integrations": []},
    )
    Tenant.objects.filter(pk=acme.pk).update(plan=plan)
    acme.refresh_from_db()
    with tenant_context(acme):
        workplaces_demo_seed()
        mia, fay, sue, ned = (_member(acme, name) for name in ("mia", "fay", "sue", "ned"))
        mia_profile = profile_ensure(user=mia, acting_user=None)
        profile_ensure(user=fay, acting_user=None, manager=mia_profile)
        for user in (mia, fay, sue):
            solution_access_grant(solution_code="reports", user=user, acting_user=acme_admin)
        site = Workplace.objects.get(code="SYD-CBD")
    return SimpleNamespace(tenant=acme, admin=acme_admin, mia=mia, fay=fay, sue=sue, ned=ned, site=site)


@pytest.fixture
def store_visit(team):
    with tenant_context(team.tenant):
        template = template_create(name="Store visit", schema=STORE_VISIT, acting_user=team.admin)
        template_publish(template=template, acting_user=team.admin)
        template.refresh_from_db()
    return template


def api(user: Any) -> APIClient:
    client = APIClient(HTTP_HOST=HOST)
    client.force_authenticate(user)
    return client


@pytest.fixture
def events():
    seen: list[tuple[str, dict]] = []

    def record(event, items):
        seen.extend((event, payload) for _, payload in items)

    for pattern in ("submission.*", "form.*"):
        subscribe(pattern, record)
    yield seen
    for pattern in ("submission.*", "form.*"):
        unsubscribe(pattern, record)


def new_client_id() -> uuid.UUID:
    return uuid.uuid4()
