"""Issue 5's acceptance, end to end through the portal, on the demo data `make run` seeds.

The acme admin builds a small hierarchy, gives the "manager" role scoped to one department for a
week; the manager then sees only that department's people, the explain page says why, and after
expiry (the sweep) the access is gone. The demo directory CSV imports and re-imports cleanly.
"""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.access.models import Role, RoleAssignment
from apps.access.services import assignments_sweep
from apps.accounts.models import User
from apps.organisation.models import Entity, EntityType, MemberProfile

pytestmark = pytest.mark.django_db
URLCONF = "config.urls.tenant"


def url(name: str, **kwargs) -> str:
    return reverse(name, urlconf=URLCONF, kwargs=kwargs or None)


@pytest.fixture
def demo(acme):
    call_command("seed_demo", stdout=StringIO())
    return acme


def test_admin_scopes_a_manager_to_one_department_for_a_week(demo, acme_client):
    admin = User.objects.get(email="admin@acme.localhost")
    manager = User.objects.get(email="manager@acme.localhost")
    with tenant_context(demo):
        operations = Entity.objects.get(name="Operations")
        sales = Entity.objects.get(name="Sales")
        manager_role = Role.objects.get(code="manager")

    acme_client.force_login(admin)
    # A small hierarchy: a new department under Operations.
    response = acme_client.post(url("organisation:entity_create"), {
        "parent": operations.uuid, "name": "Research", "entity_type": "department", "status": "active",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    # The manager role, on Sales and everything below it, for one week.
    response = acme_client.post(url("access:assignment_create"), {
        "role": manager_role.pk, "principal_kind": "user", "user": manager.pk, "scope_entity": sales.pk,
        "valid_until": (timezone.now() + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "reason": "Covering the Sales area this week",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(demo):
        assignment = RoleAssignment.objects.get(user=manager, role=manager_role)
        assert assignment.status == RoleAssignment.Status.ACTIVE
        assert Entity.objects.filter(name="Research", parent=operations).exists()

    acme_client.force_login(manager)
    people = acme_client.get(url("organisation:people_list")).content.decode()
    assert "sam@acme.localhost" in people and "sara@acme.localhost" in people  # Sales North / South
    assert "sue@acme.localhost" not in people and "oliver@acme.localhost" not in people  # Support, Operations
    explain = acme_client.get(url("access:my_access")).content.decode()
    assert "Manager" in explain and "Sales" in explain  # which role, on which scope

    with tenant_context(demo):
        result = assignments_sweep(now=assignment.valid_until + dt.timedelta(minutes=1))
        assert RoleAssignment.objects.get(pk=assignment.pk).status == RoleAssignment.Status.EXPIRED
    assert result
    people = acme_client.get(url("organisation:people_list")).content.decode()
    assert "sam@acme.localhost" not in people and "sara@acme.localhost" not in people


def test_the_demo_directory_imports_and_reimports_without_changes(demo):
    path = str(Path(settings.BASE_DIR, "fixtures", "demo_directory.csv"))
    call_command("import_directory", path, tenant="acme", commit=True, no_progress=True, stdout=StringIO())
    with tenant_context(demo):
        people = MemberProfile.objects.count()
        with_manager = MemberProfile.objects.filter(manager__isnull=False).count()
        entities = Entity.objects.count()
        history = MemberProfile.history.count() + Entity.history.count()
        assert with_manager >= 10
    out = StringIO()
    call_command("import_directory", path, tenant="acme", commit=True, no_progress=True, stdout=out)
    with tenant_context(demo):
        assert MemberProfile.objects.count() == people
        assert MemberProfile.objects.filter(manager__isnull=False).count() == with_manager
        assert Entity.objects.count() == entities
        assert MemberProfile.history.count() + Entity.history.count() == history
        assert EntityType.objects.filter(code="department").exists()
