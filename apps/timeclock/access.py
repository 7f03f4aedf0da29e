"""Who may use the time clock: the plan's `attendance` solution, through solution access.

- a person with access clocks themself in and out and reads their own punches;
- a manager (someone with direct reports in the organisation's reporting lines) also reads their
  team's punches and records kiosk punches for them;
- tenant admins see and review everyone's; API keys need the `attendance` scopes and a role that
  reaches the solution (they read every punch; "me" endpoints need a person: `person_required`).
"""

from typing import Any

from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from apps.accounts.access import MembershipRefused, is_service_principal, is_tenant_admin
from apps.organisation.models import MemberProfile
from apps.solutions.access import HasSolutionAccess, SolutionRequiredMixin, solution_refusal
from apps.surfaces.api import TenantAccess

SOLUTION = "attendance"
PERSON_REQUIRED = "Punches belong to a person: sign in as one (an API key has no clock)."


def team_user_ids(user: Any) -> list[Any]:
    """The people whose punches `user` may see as their manager: their direct reports (one query)."""
    if user is None or is_service_principal(user):
        return []
    return list(MemberProfile.objects.filter(manager__user_id=user.pk).values_list("user_id", flat=True))


def visible_user_ids(request: HttpRequest) -> list[Any] | None:
    """None: everyone's (tenant admins, API keys); else the caller's team (empty: none)."""
    if is_service_principal(request.user) or is_tenant_admin(request):
        return None
    return team_user_ids(request.user)


class TimeclockAccessMixin(SolutionRequiredMixin):
    """Portal pages of the time clock: members with access to Attendance."""

    solution_code = SOLUTION


class TimeclockApiMixin:
    tenant_access = "member"
    resource_family = "attendance"
    solution_code = SOLUTION
    permission_classes = [TenantAccess, HasSolutionAccess]


class PersonRequired(BasePermission):
    """Endpoints about "me": an API key (no person) is refused with `person_required`."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if is_service_principal(request.user):
            raise exceptions.PermissionDenied({"detail": PERSON_REQUIRED, "code": "person_required"})
        return True


def manager_or_admin_refusal(request: HttpRequest) -> MembershipRefused | None:
    refusal = solution_refusal(request, SOLUTION)
    if refusal is not None:
        return refusal
    if is_service_principal(request.user) or is_tenant_admin(request) or team_user_ids(request.user):
        return None
    return MembershipRefused("Only tenant admins and managers (people with direct reports) see others' punches.",
                             code="manager_required")  # fmt: skip
