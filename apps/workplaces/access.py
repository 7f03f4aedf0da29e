"""Who may use workplaces: the plan's `workplaces` or `attendance` solution, through solution access.

Attendance stands on workplaces (a punch is judged against a site's geofence), so a person who may
use either solution may read the workplaces; tenant admins (who reach every solution of the plan)
manage them. Portal pages mix in `WorkplacesAccessMixin` after declaring `tenant_access`; API views
use `API_PERMISSIONS` (the base's `TenantAccess`, then `HasWorkplacesAccess`).
"""

from typing import Any

from django.http import HttpRequest
from rest_framework.permissions import BasePermission

from apps.accounts.access import MembershipRefused
from apps.solutions.access import solution_refusal
from apps.surfaces.api import TenantAccess
from apps.surfaces.portal import TenantPortalMixin

WORKPLACE_SOLUTIONS = ("workplaces", "attendance")


def workplaces_refusal(request: HttpRequest, principal: Any = None) -> MembershipRefused | None:
    """None when the caller may use workplaces (through either solution), else the refusal that helps most:
    "ask for access" to a solution the plan has, before "the plan lacks it"."""
    refusals = [solution_refusal(request, code, principal) for code in WORKPLACE_SOLUTIONS]
    if any(refusal is None for refusal in refusals):
        return None
    in_plan = [r for r in refusals if r is not None and r.code == "solution_access_required"]
    return in_plan[0] if in_plan else refusals[0]


class WorkplacesAccessMixin(TenantPortalMixin):
    """Portal pages of workplaces: the declaration (member or admin), then the solution rule."""

    def tenant_permission_check(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        refusal = workplaces_refusal(request)
        if refusal is not None:
            raise refusal


class HasWorkplacesAccess(BasePermission):
    """API views of workplaces, after `TenantAccess` admitted the caller: the solution rule (API keys
    reach a solution through the roles assigned to them)."""

    message: Any = "You may not use workplaces."

    def has_permission(self, request: Any, view: Any) -> bool:
        refusal = workplaces_refusal(request, request.user)
        if refusal is None:
            return True
        self.message = {"detail": str(refusal), "code": refusal.code}
        return False


API_PERMISSIONS = [TenantAccess, HasWorkplacesAccess]
