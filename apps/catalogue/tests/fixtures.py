"""Test fixtures for the catalogue, solution access and integration activations (pytest plugin-style:
import the names into a conftest or test module)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django_tenants.utils import tenant_context

from apps.access.models import Role
from apps.access.services import role_create
from apps.tenancy.models import Plan, Tenant

CATALOGUE_FIXTURE = Path(settings.BASE_DIR, "fixtures", "catalogue.json")
PRO_FEATURES = {
    "solutions": ["attendance", "tasks", "leave"],
    "integrations": ["webhook", "slack", "google-calendar", "payroll-xero"],
}


@pytest.fixture
def catalogue(db) -> None:
    """The solution and integration catalogue as fixtures/catalogue.json has it."""
    call_command("loaddata", str(CATALOGUE_FIXTURE), verbosity=0)


@pytest.fixture
def pro_plan(catalogue) -> Plan:
    """Attendance, Tasks and Leave; webhooks, Slack, Google Calendar and Xero (not Chat, not Azure AD)."""
    return Plan.objects.create(name="pro-test", display_name="Pro (test)", features=PRO_FEATURES)


def _on_plan(tenant: Tenant, plan: Plan) -> Tenant:
    Tenant.objects.filter(pk=tenant.pk).update(plan=plan)
    tenant.refresh_from_db()
    return tenant


@pytest.fixture
def acme_pro(acme, pro_plan) -> Tenant:
    """Acme on the pro plan (the Tenant row, fresh)."""
    return _on_plan(acme, pro_plan)


@pytest.fixture
def globex_pro(globex, pro_plan) -> Tenant:
    return _on_plan(globex, pro_plan)


@pytest.fixture
def roles(acme_pro, acme_admin) -> dict[str, Role]:
    """In Acme: "supervisor" with a child role "team-lead" (which inherits from it)."""
    with tenant_context(acme_pro):
        supervisor = role_create(code="supervisor", name="Supervisor", permissions=[], acting_user=acme_admin)
        lead = role_create(code="team-lead", name="Team lead", permissions=[], parent=supervisor,
                           acting_user=acme_admin)  # fmt: skip
    return {"supervisor": supervisor, "team-lead": lead}
