"""Who may use inspections: the plan's `workplaces` solution, through solution access.

- a person with access reads the current templates, performs the inspections assigned to them, to
  nobody, or offered to a role they hold at the site (claiming it), and reads the results they submitted;
- tenant admins (and API keys with the `operations` scopes and a role reaching the solution) see every
  inspection, build templates and schedules, and read the trends.
"""

from typing import Any

from django.http import Http404, HttpRequest
from rest_framework.permissions import BasePermission

from apps.accounts.access import is_service_principal, is_tenant_admin
from apps.solutions.access import HasSolutionAccess, SolutionRequiredMixin
from apps.surfaces.api import TenantAccess

from .models import Inspection
from .selectors import inspection_list

SOLUTION = "workplaces"


def sees_everything(request: HttpRequest) -> bool:
    return is_service_principal(request.user) or is_tenant_admin(request)


def visible_to(request: HttpRequest) -> Any:
    """None: every inspection (tenant admins, API keys); else the caller."""
    return None if sees_everything(request) else request.user


def inspection_for(request: HttpRequest, pk: Any) -> Inspection:
    """The inspection if the caller may see it; the same 404 for "not yours" and "missing"."""
    found = inspection_list(user=visible_to(request)).filter(pk=pk).first()
    if found is None:
        raise Http404("No such inspection.")
    return found


class InspectionsAccessMixin(SolutionRequiredMixin):
    solution_code = SOLUTION


class AdminOnly(BasePermission):
    """Building templates and schedules, and trends: tenant admins and API keys."""

    message = {"detail": "Only tenant admins manage inspection templates and schedules.", "code": "admin_required"}

    def has_permission(self, request: Any, view: Any) -> bool:
        return sees_everything(request)


class InspectionsApiMixin:
    tenant_access = "member"
    resource_family = "operations"
    solution_code = SOLUTION
    permission_classes = [TenantAccess, HasSolutionAccess]
