"""Reads on the solution access registry. Run in the tenant's schema.

`user_solutions` answers "which of the plan's solutions may this person use" in ONE query: the
catalogue rows (public) that the tenant's plan lists (public), filtered to those the person is a
tenant admin for, or holds a direct grant of, or holds through a role: a grant to role R reaches
whoever holds R, or a role below R in the role tree (its path starts with R's path), through an
active assignment given to them or to a team (entity) they are a member of.
"""

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import JSONArray
from django.http import HttpRequest
from django.utils import timezone

from apps.access.models import AssignmentStatus, RoleAssignment
from apps.accounts.models import Membership
from apps.catalogue.models import Solution
from apps.tenancy.models import Tenant

from .models import SolutionAccess

REQUEST_CACHE = "_solutions_available"


def _is_service_principal(principal: Any) -> bool:
    return bool(getattr(principal, "is_service_principal", False))


def _held_roles(principal: Any, *, role_path: Any) -> QuerySet[RoleAssignment]:
    """Active assignments of the principal whose role is the given role or below it."""
    if _is_service_principal(principal):
        holder = Q(api_key_id=principal.api_key.pk)
    else:
        holder = Q(user_id=principal.pk) | Q(team__memberships__profile__user_id=principal.pk)
    now = timezone.now()
    return RoleAssignment.objects.filter(
        holder,
        Q(valid_until__isnull=True) | Q(valid_until__gt=now),
        status=AssignmentStatus.ACTIVE,
        role__path__startswith=role_path,
    )


def grants_reaching(principal: Any) -> QuerySet[SolutionAccess]:
    """Active grants that reach the principal: given to them, or to a role they hold (or a parent of it)."""
    through_role = Q(role__isnull=False) & Exists(_held_roles(principal, role_path=OuterRef("role__path")))
    if _is_service_principal(principal):
        return SolutionAccess.objects.active().filter(through_role)
    return SolutionAccess.objects.active().filter(Q(user_id=principal.pk) | through_role)


def plan_solutions_of(tenant: Any) -> QuerySet[Solution]:
    """The active catalogue solutions the tenant's plan includes, in menu order (one query)."""
    in_plan = Tenant.objects.filter(pk=tenant.pk, plan__features__solutions__contains=JSONArray(OuterRef("code")))
    return Solution.objects.filter(Exists(in_plan), is_active=True)


def solutions_available(principal: Any, tenant: Any) -> list[Solution]:
    """The plan's solutions the principal may use, as catalogue rows in menu order. ONE query."""
    if tenant is None or principal is None or not getattr(principal, "is_authenticated", False):
        return []
    solutions = plan_solutions_of(tenant)
    if _is_service_principal(principal):
        return list(solutions.filter(Exists(grants_reaching(principal).filter(solution_code=OuterRef("code")))))
    membership = Membership.objects.filter(tenant_id=tenant.pk, user_id=principal.pk, status=Membership.Status.ACTIVE)
    is_admin = Exists(membership.filter(role=Membership.Role.TENANT_ADMIN))
    granted = Exists(grants_reaching(principal).filter(solution_code=OuterRef("code")))
    return list(solutions.filter(Exists(membership)).filter(is_admin | granted))


def solution_allowed(principal: Any, tenant: Any, code: str, *, membership: Any = None) -> bool:
    """Whether the principal may use one solution: `solutions_available` narrowed to `code`, cheaper
    for the API's hot paths (a punch, a task update). The plan is read from the tenant row (routing
    loads it); then one small query for an admin or a direct grant, a second only for grants through
    roles. `membership`: the caller's, when the request already holds it."""
    if tenant is None or principal is None or not getattr(principal, "is_authenticated", False):
        return False
    plan = getattr(tenant, "plan", None) if getattr(tenant, "plan_id", None) else None
    if plan is None or code not in (plan.features or {}).get("solutions", []):
        return False
    active_solution = Exists(Solution.objects.filter(code=code, is_active=True))
    grants = SolutionAccess.objects.active().filter(active_solution, solution_code=code)
    if not _is_service_principal(principal):
        if membership is None or membership.user_id != principal.pk or membership.tenant_id != tenant.pk:
            membership = Membership.objects.filter(tenant_id=tenant.pk, user_id=principal.pk).order_by().first()
        if membership is None or membership.status != Membership.Status.ACTIVE:
            return False
        if membership.role == Membership.Role.TENANT_ADMIN:
            return Solution.objects.filter(code=code, is_active=True).exists()
        if grants.filter(user_id=principal.pk).exists():
            return True
    return grants.filter(
        Q(role__isnull=False), Exists(_held_roles(principal, role_path=OuterRef("role__path")))
    ).exists()


def user_solutions(user: Any, tenant: Any) -> set[str]:
    """Codes of the plan's solutions the user may use (tenant admins: all of them). ONE query."""
    return {solution.code for solution in solutions_available(user, tenant)}


def request_solutions(request: HttpRequest, principal: Any = None) -> list[Solution]:
    """`solutions_available` for the request's caller, computed once per request."""
    raw = getattr(request, "_request", request)  # a DRF Request wraps the HttpRequest
    principal = principal if principal is not None else request.user
    key = (getattr(principal, "pk", None), getattr(getattr(principal, "api_key", None), "pk", None))
    cached = getattr(raw, REQUEST_CACHE, None)
    if cached is None or cached[0] != key:
        cached = (key, solutions_available(principal, getattr(request, "tenant", None)))
        setattr(raw, REQUEST_CACHE, cached)
    return cached[1]


def access_sources(*, user: Any, tenant: Any, solution_code: str) -> list[str]:
    """Why the user may use the solution, in words: "tenant admin", "a direct grant", "role “Manager”"."""
    sources = []
    if Membership.objects.filter(
        tenant_id=tenant.pk, user_id=user.pk, status=Membership.Status.ACTIVE, role=Membership.Role.TENANT_ADMIN
    ).exists():
        sources.append("you are a tenant admin")
    grants = grants_reaching(user).filter(solution_code=solution_code).select_related("role")
    for grant in grants:
        sources.append(f"the role “{grant.role.name}”" if grant.role is not None else "a direct grant")
    return sources


def access_list(*, solution_code: str | None = None, include_revoked: bool = False) -> QuerySet[SolutionAccess]:
    grants = SolutionAccess.objects.select_related("user", "role", "granted_by", "revoked_by")
    if not include_revoked:
        grants = grants.active()
    return grants.filter(solution_code=solution_code) if solution_code else grants


def access_history(*, limit: int = 100) -> QuerySet[Any]:
    """The latest changes to the registry (grants and revocations), newest first."""
    return SolutionAccess.history.select_related("user", "role", "history_user").order_by("-history_date", "-pk")[
        :limit
    ]
