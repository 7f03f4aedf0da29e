"""Who may use leave: the plan's `leave` solution, through solution access.

People with access see and request their own leave; managers (people with reports in the
organisation's reporting lines) see their team's; tenant admins manage types, policies and balances
and see everyone's. Portal pages stand on `LeavePortalMixin`; API views use `API_PERMISSIONS`.
"""

from typing import Any

from django.http import Http404, HttpRequest
from rest_framework import exceptions

from apps.accounts.access import MembershipRefused, is_tenant_admin
from apps.solutions.access import HasSolutionAccess, SolutionRequiredMixin
from apps.surfaces.api import TenantAccess

from .models import LeaveRequest
from .selectors import team_user_ids

SOLUTION = "leave"
API_PERMISSIONS = [TenantAccess, HasSolutionAccess]


class LeavePortalMixin(SolutionRequiredMixin):
    solution_code = SOLUTION


class LeaveAdminPortalMixin(LeavePortalMixin):
    tenant_access = "admin"


def person_require(user: Any) -> None:
    """Leave belongs to a person: an API key (a service principal) is refused clearly."""
    if getattr(user, "is_service_principal", False):
        raise exceptions.PermissionDenied(
            {"detail": "Leave belongs to a person: sign in as one (an API key has no leave).",
             "code": "person_required"}
        )  # fmt: skip


def visible_user_ids(request: HttpRequest) -> list[Any] | None:
    """Whose leave the caller may see: None for everyone (tenant admins, API keys with the scope),
    else the caller and the people reporting to them."""
    user = request.user
    if getattr(user, "is_service_principal", False) or is_tenant_admin(request):
        return None
    return [user.pk, *team_user_ids(user)]


def request_get_for(request: HttpRequest, pk: Any, *, own: bool = False) -> LeaveRequest:
    """A leave request the caller may see (their own with `own`), else the same 404 as a missing one."""
    try:
        found = LeaveRequest.objects.select_related("leave_type", "user").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise Http404("No such leave request.")
    if own:
        if found.user_id != request.user.pk:
            raise Http404("No such leave request.")
        return found
    visible = visible_user_ids(request)
    if visible is not None and found.user_id not in visible:
        raise Http404("No such leave request.")
    return found


def admin_require(request: HttpRequest) -> None:
    if not (is_tenant_admin(request) or getattr(request.user, "is_service_principal", False)):
        raise MembershipRefused("Only tenant administrators manage leave.", code="admin_required")
