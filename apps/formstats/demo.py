"""Demo analytics for Acme (seed_demo, after the forms demo wrote a month of store visits): Mia Manager manages
the Sydney CBD Store's analytics (a "Store analytics" role carrying `formstats.view_analytics`, assigned to her
at that workplace) and every form's rollups are rebuilt from its submissions. Idempotent: the role and the
assignment are made once, and a rebuild gives the same rollups however often it runs."""

import contextlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django_tenants.utils import tenant_context

from apps.access.models import Role, RoleAssignment
from apps.access.services import assignment_create, role_create
from apps.accounts.models import User
from apps.catalogue.selectors import plan_solution_codes, tenant_plan
from apps.forms.models import FormTemplate
from apps.solutions.services import solution_access_ensure
from apps.tenancy.models import Tenant
from apps.workplaces.models import Workplace

from .access import VIEW_ANALYTICS
from .rollup import rollup_rebuild

ROLE_CODE = "store-analytics"


@transaction.atomic
def formstats_demo_seed() -> int:
    """In the current tenant's schema; returns the submissions counted."""
    mia = User.objects.filter(email="manager@acme.localhost").first()
    site = Workplace.objects.filter(code="SYD-CBD").first()
    if mia is not None and site is not None:
        with contextlib.suppress(ValidationError):
            solution_access_ensure(solution_code="reports", users=[mia], reason="Demo: form analytics")
        role = Role.objects.filter(code=ROLE_CODE).first() or role_create(
            code=ROLE_CODE, name="Store analytics", permissions=[{"permission": VIEW_ANALYTICS}], acting_user=None,
            description="Reads the form analytics of the workplaces in scope.",
        )  # fmt: skip
        if not RoleAssignment.objects.filter(role=role, user=mia).exists():
            assignment_create(role=role, user=mia, scope_object=site, reason="Demo: manages the CBD store",
                              acting_user=None)  # fmt: skip
    return sum(rollup_rebuild(pk) for pk in FormTemplate.objects.order_by("pk").values_list("pk", flat=True))


def demo_seed(*, stdout: Any = None) -> None:
    acme = Tenant.objects.filter(slug="acme").first()
    if acme is None or "reports" not in plan_solution_codes(tenant_plan(acme)):
        return
    with tenant_context(acme):
        counted = formstats_demo_seed()
    if stdout is not None:
        stdout.write(f"  Form analytics: Acme: {counted} submissions in the rollups; Mia manages SYD-CBD's\n")
