"""Gating a workforce solution: only people (or API keys) the registry lets use it get in.

Portal views use `SolutionRequiredMixin` (attribute `solution_code`, or `get_solution_code()`);
API views use the DRF permission `HasSolutionAccess` (same attribute). Both refuse with a 403 that
says whether the plan lacks the solution or the caller lacks access to it.
"""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest
from rest_framework.permissions import BasePermission

from apps.accounts.access import MembershipRefused, tenant_membership_require
from apps.catalogue.selectors import plan_solution_codes, solution_get, tenant_plan
from apps.integrations.permissions import IsTenantMemberOrApiKeyScope

from .selectors import request_solutions


def solution_refusal(request: HttpRequest, solution_code: str, principal: Any = None) -> MembershipRefused | None:
    """None when the caller may use the solution, else the 403 to raise (with a stable `code`)."""
    if any(solution.code == solution_code for solution in request_solutions(request, principal)):
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


class SolutionRequiredMixin(LoginRequiredMixin):
    """Portal views of a solution: an active member whom the registry lets use `solution_code`."""

    solution_code: str = ""

    def get_solution_code(self) -> str:
        return self.solution_code

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated:
            tenant_membership_require(request)  # outsiders hear that they are not members, not about plans
            refusal = solution_refusal(request, self.get_solution_code())
            if refusal is not None:
                raise refusal
        return super().dispatch(request, *args, **kwargs)


class HasSolutionAccess(BasePermission):
    """API views of a solution: a member (or an API key with the view's scope) the registry lets use
    the view's `solution_code`. Keys reach a solution through roles assigned to them."""

    message: Any = "You may not use this solution."

    def has_permission(self, request: Any, view: Any) -> bool:
        caller = IsTenantMemberOrApiKeyScope()
        if not caller.has_permission(request, view):
            self.message = caller.message
            return False
        refusal = solution_refusal(request, view.solution_code, request.user)
        if refusal is None:
            return True
        self.message = {"detail": str(refusal), "code": refusal.code}
        return False
