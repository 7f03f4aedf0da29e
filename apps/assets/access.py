"""Who may use assets and maintenance: the plan's `workplaces` solution, through solution access.

Members with access read the register, scan labels and record meter readings; tenant admins create
and change assets, categories and plans. API keys need the `operations` scopes (declared here; incidents
and inspections use the same family) and a role that reaches the solution.
"""

from django.http import HttpRequest

from apps.accounts.access import MembershipRefused, is_service_principal, is_tenant_admin
from apps.solutions.access import HasSolutionAccess, SolutionRequiredMixin
from apps.surfaces.api import TenantAccess

SOLUTION = "workplaces"
SCOPE_FAMILY = "operations"


class AssetsPortalMixin(SolutionRequiredMixin):
    """Portal pages of assets: members with access to Workplaces (the view's `tenant_access` decides
    whether a tenant admin is needed)."""

    solution_code = SOLUTION


class AssetsApiMixin:
    tenant_access = "member_read_admin_write"
    resource_family = SCOPE_FAMILY
    solution_code = SOLUTION
    permission_classes = [TenantAccess, HasSolutionAccess]


def may_manage(request: HttpRequest) -> bool:
    """Tenant admins (and API keys with `operations:write`, checked by the base) change assets and plans."""
    return is_service_principal(request.user) or is_tenant_admin(request)


def admin_required() -> MembershipRefused:
    return MembershipRefused("Only tenant admins change assets and maintenance plans.", code="admin_required")
