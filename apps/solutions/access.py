"""Gating a workforce solution: only people (or API keys) the registry lets use it get in.

Portal views use `SolutionRequiredMixin` (attribute `solution_code`, or `get_solution_code()`; a
tenant-surface base declaring `tenant_access = "member"`); API views add the DRF permission
`HasSolutionAccess` (same attribute) after the base's own. Both refuse with a 403 that
says whether the plan lacks the solution or the caller lacks access to it.
"""

from typing import Any

from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from apps.accounts.access import REFUSALS, MembershipRefused
from apps.catalogue.selectors import plan_solution_codes, solution_get, tenant_plan
from apps.surfaces.api import tenant_caller_allowed
from apps.surfaces.portal import TenantPortalMixin

from .selectors import REQUEST_CACHE, request_solutions, solution_allowed


def solution_refusal(
    request: HttpRequest, solution_code: str, principal: Any = None, *, single: bool = False
) -> MembershipRefused | None:
    """None when the caller may use the solution, else the 403 to raise (with a stable `code`).
    `single`: ask about this solution alone (`solution_allowed`), for API views, which render no menu
    (a portal page lists every solution of the caller anyway, so it computes them all once)."""
    if single and getattr(getattr(request, "_request", request), REQUEST_CACHE, None) is None:
        allowed = solution_allowed(
            principal if principal is not None else request.user,
            getattr(request, "tenant", None),
            solution_code,
            membership=getattr(request, "membership", None),
        )
        if allowed:
            return None
    elif any(solution.code == solution_code for solution in request_solutions(request, principal)):
        return None
    solution = solution_get(solution_code)
    name = solution.name if solution is not None else solution_code
    tenant = getattr(request, "tenant", None)
    if solution is None or not solution.is_active or solution_code not in plan_solution_codes(tenant_plan(tenant)):
        return MembershipRefused(f"Your organisation's plan does not include {name}.", code="solution_not_in_plan")
    return MembershipRefused(
        f"Your organisation's plan includes {name}, but you have not been given access to it. Ask an administrator.",
        code="solution_access_required",
    )


class SolutionRequiredMixin(TenantPortalMixin):
    """Portal views of a solution: an active member whom the registry lets use `solution_code`."""

    # Outsiders hear that they are not members (the declaration), not about plans.
    tenant_access = "member"
    solution_code: str = ""

    def get_solution_code(self) -> str:
        return self.solution_code

    def tenant_permission_check(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        refusal = solution_refusal(request, self.get_solution_code())
        if refusal is not None:
            raise refusal


class HasSolutionAccess(BasePermission):
    """API views of a solution: a member (or an API key with the view's scope) the registry lets use
    the view's `solution_code`. Keys reach a solution through roles assigned to them."""

    message: Any = "You may not use this solution."

    def has_permission(self, request: Any, view: Any) -> bool:
        try:
            if not tenant_caller_allowed(request, view, getattr(view, "tenant_access", "member")):
                self.message = REFUSALS[None]
                return False
        except exceptions.PermissionDenied as exc:
            self.message = {"detail": str(exc.detail), "code": exc.get_codes()}
            return False
        refusal = solution_refusal(request, view.solution_code, request.user, single=True)
        if refusal is None:
            return True
        self.message = {"detail": str(refusal), "code": refusal.code}
        return False
