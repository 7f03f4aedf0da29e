"""Who may do what with time entries: the plan's `tasks` solution, through solution access.

- a person with access runs their own timer and records, edits and deletes their own entries, on a task
  they may work on: one assigned to them, or one not assigned to a particular person (a team's, a role's
  or nobody's: claiming is the task engine's business);
- a manager (someone with direct reports) also reads their reports' entries, the time report and its CSV;
- tenant admins (and API keys with `tasks` scopes) read everyone's, and record, edit or delete anyone's.
"""

from typing import Any

from django.http import HttpRequest

from apps.accounts.access import MembershipRefused, is_service_principal, is_tenant_admin
from apps.accounts.models import Membership
from apps.organisation.models import MemberProfile
from apps.solutions.access import HasSolutionAccess, SolutionRequiredMixin, solution_refusal
from apps.surfaces.api import TenantAccess
from apps.tasks.models import AssigneeKind, Task
from apps.tenancy.context import connection_tenant

SOLUTION = "tasks"
PERSON_REQUIRED = "A timer belongs to a person: sign in as one (an API key has no timer)."


def team_user_ids(user: Any) -> list[Any]:
    """The people whose time `user` may read as their manager: their direct reports (one query)."""
    if user is None or is_service_principal(user):
        return []
    return list(MemberProfile.objects.filter(manager__user_id=user.pk).values_list("user_id", flat=True))


def visible_user_ids(request: HttpRequest) -> list[Any] | None:
    """None: everyone's (tenant admins, API keys); else the caller and their direct reports."""
    if is_service_principal(request.user) or is_tenant_admin(request):
        return None
    return [request.user.pk, *team_user_ids(request.user)]


def manages_everyone(user: Any) -> bool:
    """Services ask this of the acting user: an API key, or an active admin of the connection's tenant."""
    if user is None or is_service_principal(user):
        return True
    tenant = connection_tenant()
    return Membership.objects.filter(tenant=tenant, user_id=user.pk, role=Membership.Role.TENANT_ADMIN,
                                     status=Membership.Status.ACTIVE).exists()  # fmt: skip


def may_work_on(task: Task, user: Any) -> bool:
    """A person may log time on a task assigned to them or to no particular person."""
    if task.assignee_kind == AssigneeKind.PERSON:
        return task.assignee_id == getattr(user, "pk", None)
    return True


class TimesheetsAccessMixin(SolutionRequiredMixin):
    """Portal pages of time entries: members with access to Tasks."""

    solution_code = SOLUTION


class TimesheetsApiMixin:
    tenant_access = "member"
    resource_family = "tasks"
    solution_code = SOLUTION
    permission_classes = [TenantAccess, HasSolutionAccess]


def report_refusal(request: HttpRequest) -> MembershipRefused | None:
    """The time report and its CSV: tenant admins, API keys and managers."""
    refusal = solution_refusal(request, SOLUTION, single=True)
    if refusal is not None:
        return refusal
    if is_service_principal(request.user) or is_tenant_admin(request) or team_user_ids(request.user):
        return None
    return MembershipRefused("Only tenant admins and managers (people with direct reports) see the time report.",
                             code="manager_required")  # fmt: skip
