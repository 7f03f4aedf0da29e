"""Acme on a plan with Reports and its demo sites; a "Store visit" form published twice (v2 changes a field's
type and adds a conditional one). Rae and Sam fill it in (access), Max manages Sydney CBD (a role carrying
`formstats.view_analytics` scoped to that workplace), Ned has no access to the solution."""

import datetime
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from apps.access.models import Role, RoleAssignment
from apps.accounts.models import Membership
from apps.catalogue.tests.fixtures import catalogue  # noqa: F401
from apps.forms.models import FormField, FormTemplate, FormVersion, Submission, SubmissionFile
from apps.formstats.hooks import submission_status_changed
from apps.solutions.services import solution_access_grant
from apps.tenancy.models import Plan, Tenant
from apps.workplaces.demo import workplaces_demo_seed
from apps.workplaces.models import Workplace
from tests.factories import MembershipFactory

HOST = "acme.localhost"

V1 = [
    ("shelf_share", "number", {"unit": "%", "min": 0, "max": 100}),
    ("display_ok", "single_choice", {"options": [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]}),
    ("brands", "multiple_choice", {"options": [{"value": "a", "label": "Acme"}, {"value": "b", "label": "Brio"}]}),
    ("facings", "number", {}),
    ("notes", "text", {}),
    ("photos", "photo", {"min_photos": 0, "max_photos": 3}),
]
V2 = [
    ("shelf_share", "number", {"unit": "%"}),
    ("display_ok", "single_choice", {"options": [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]}),
    ("why_not", "text", {"condition": {"field": "display_ok", "equals": "no"}}),
    ("brands", "multiple_choice", {"options": [{"value": "a", "label": "Acme"}, {"value": "b", "label": "Brio"}]}),
    ("facings", "rating", {"scale": 5}),  # was a number in v1
    ("notes", "text", {}),
    ("photos", "photo", {"max_photos": 3}),
]


def version_publish(template: FormTemplate, number: int, fields: list[tuple[str, str, dict]]) -> FormVersion:
    schema = {"sections": [{"title": "Visit", "fields": [{"key": k, "type": t, "config": c} for k, t, c in fields]}]}
    version = FormVersion.objects.create(template=template, number=number, schema=schema, published_at=timezone.now())
    FormField.objects.bulk_create([FormField(version=version, key=k, label=k.replace("_", " ").capitalize(), type=t,
                                             position=i, config=c) for i, (k, t, c) in enumerate(fields)])  # fmt: skip
    FormTemplate.objects.filter(pk=template.pk).update(current_version=version, status="published")
    template.refresh_from_db()
    return version


@pytest.fixture
def world(acme, acme_admin, catalogue):  # noqa: F811 - the imported fixture
    plan = Plan.objects.create(name="reports-test", display_name="Reports (test)",
                               features={"solutions": ["reports", "workplaces"], "integrations": []})  # fmt: skip
    Tenant.objects.filter(pk=acme.pk).update(plan=plan, time_zone="Australia/Sydney")
    acme.refresh_from_db()
    with tenant_context(acme):
        workplaces_demo_seed()
        people = {}
        for name, access in (("rae", True), ("sam", True), ("max", True), ("ned", False)):
            user = MembershipFactory(tenant=acme, role=Membership.Role.MEMBER, user__email=f"{name}@acme.test",
                                     user__full_name=name.title()).user  # fmt: skip
            if access:
                solution_access_grant(solution_code="reports", user=user, acting_user=acme_admin)
            people[name] = user
        sites = list(Workplace.objects.filter(kind="site").order_by("code"))
        cbd = Workplace.objects.get(code="SYD-CBD")
        other = next(s for s in sites if s.pk != cbd.pk)
        role = Role.objects.create(code="store-manager", name="Store manager",
                                   permissions=[{"permission": "formstats.view_analytics"}])  # fmt: skip
        RoleAssignment.objects.create(role=role, user=people["max"], status="active", valid_from=timezone.now(),
                                      scope_content_type=ContentType.objects.get_for_model(Workplace),
                                      scope_object_id=str(cbd.pk))  # fmt: skip
        template = FormTemplate.objects.create(name="Store visit", created_by=acme_admin)
        v1 = version_publish(template, 1, V1)
    return SimpleNamespace(tenant=acme, admin=acme_admin, cbd=cbd, other=other, template=template, v1=v1, **people)


def submit(
    world: Any,
    answers: dict[str, Any],
    *,
    by: Any = None,
    at: datetime.datetime | None = None,
    workplace: Any = "cbd",
    version: Any = None,
    status: str = "submitted",
    photos: int = 0,
) -> Submission:
    """A submission made the way forms makes one (saved, then the hook) — call inside tenant_context."""
    place = world.cbd if workplace == "cbd" else workplace
    at = at or timezone.now()
    submission = Submission.objects.create(
        template=world.template, version=version or world.template.current_version, person=by or world.rae,
        workplace=place, status=status, answers=answers, client_id=uuid.uuid4(),
        submitted_at=None if status == "draft" else at,
        reviewed_at=at if status in ("approved", "rejected") else None,
    )  # fmt: skip
    for i in range(photos):
        SubmissionFile.objects.create(submission=submission, field_key="photos", kind="photo", file=f"x/{i}.jpg",
                                      content_type="image/jpeg", size=10, sha256=f"{submission.pk}-{i}")  # fmt: skip
    submission_status_changed(submission, None)
    return submission


def status_set(submission: Submission, status: str) -> Submission:
    previous = submission.status
    submission.status = status
    if status != "draft" and submission.submitted_at is None:
        submission.submitted_at = timezone.now()
    if status in ("approved", "rejected"):
        submission.reviewed_at = timezone.now()
    submission.save()
    submission_status_changed(submission, previous)
    return submission


def api(user: Any) -> APIClient:
    client = APIClient(HTTP_HOST=HOST)
    client.force_authenticate(user)
    return client


@pytest.fixture
def in_acme(world):
    with tenant_context(world.tenant):
        yield world
