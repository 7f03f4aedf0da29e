"""Who may use rosters: the plan's `attendance` solution, through solution access.

- Tenant admins (and API keys holding `attendance:write` and reaching the solution) manage everything:
  shift types, rules, rosters and anyone's shifts.
- Managers (people with direct reports in the organisation's reporting lines) who may use the solution
  manage rosters and the shifts of their direct reports, and read their team's shifts.
- Every member who may use the solution reads their own published shifts ("My shifts", the feed).
"""

from typing import Any

from django.http import HttpRequest
from rest_framework.permissions import BasePermission

from apps.accounts.access import MembershipRefused, is_service_principal, is_tenant_admin
from apps.organisation.models import MemberProfile
from apps.solutions.access import solution_refusal
from apps.surfaces.portal import TenantPortalMixin

SOLUTION = "attendance"
MANAGER_REQUIRED = "roster_manager_required"


def report_ids(user: Any) -> set[str]:
    """The user ids of the person's direct reports (empty for someone who manages nobody)."""
    if user is None or not getattr(user, "is_authenticated", False) or is_service_principal(user):
        return set()
    rows = MemberProfile.objects.filter(manager__user_id=user.pk).values_list("user_id", flat=True)
    return {str(user_id) for user_id in rows}


class Scope:
    """What the caller may do with rosters, computed once per request."""

    def __init__(self, request: HttpRequest) -> None:
        user = request.user
        self.user = user
        self.is_key = is_service_principal(user)
        self.is_admin = self.is_key or is_tenant_admin(request)
        self.reports = set() if self.is_admin else report_ids(user)
        self.is_manager = self.is_admin or bool(self.reports)

    def may_roster(self, user_id: Any) -> bool:
        return self.is_admin or str(user_id) in self.reports

    def visible_user_ids(self) -> set[str] | None:
        """None: everyone's shifts; else the caller's own and their reports'."""
        if self.is_admin:
            return None
        return {*self.reports, str(getattr(self.user, "pk", ""))}


def scope_of(request: HttpRequest) -> Scope:
    raw = getattr(request, "_request", request)
    found = getattr(raw, "_rosters_scope", None)
    if found is None or found.user is not request.user:
        found = Scope(request)
        setattr(raw, "_rosters_scope", found)  # noqa: B010 (a per-request cache on the HttpRequest)
    return found


def manager_refusal() -> MembershipRefused:
    return MembershipRefused(
        "Only tenant admins and managers (people with direct reports) manage rosters.", code=MANAGER_REQUIRED
    )


class RostersAccessMixin(TenantPortalMixin):
    """Portal pages: the declaration, then the `attendance` solution; `manages = True` pages also need
    a manager (or a tenant admin; `tenant_access = "admin"` pages need the admin)."""

    manages = False

    def tenant_permission_check(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        refusal = solution_refusal(request, SOLUTION)
        if refusal is not None:
            raise refusal
        if self.manages and not scope_of(request).is_manager:
            raise manager_refusal()


class HasRostersAccess(BasePermission):
    """API views after `TenantAccess`: the solution rule, then (for `manages` views) a manager."""

    message: Any = "You may not use rosters."

    def has_permission(self, request: Any, view: Any) -> bool:
        refusal = solution_refusal(request, SOLUTION, request.user)
        if refusal is None and getattr(view, "manages", False) and not scope_of(request).is_manager:
            refusal = manager_refusal()
        if refusal is None:
            return True
        self.message = {"detail": str(refusal), "code": refusal.code}
        return False
