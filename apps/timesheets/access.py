"""Who may do what with time entries: the plan's `tasks` solution, through solution access.

- a person with access runs their own timer and records, edits and deletes their own entries, on a task
  that is theirs (`workable_q`): assigned to them; assigned to a team they belong to; offered to a role
  they hold at the task's workplace and unclaimed (or claimed by them); assigned to nobody; or one they
  manage as the tasks app defines it (they made it, or they are a tenant admin);
- a manager (someone with direct reports) also reads their reports' entries, the time report and its CSV;
- tenant admins (and API keys with `tasks` scopes) read everyone's, and record, edit or delete anyone's.
"""

from typing import Any

from django.db.models import Q
from django.http import HttpRequest

from apps.accounts.access import MembershipRefused, is_service_principal, is_tenant_admin
from apps.accounts.models import Membership
from apps.organisation.models import EntityMembership, MemberProfile
from apps.solutions.access import HasSolutionAccess, SolutionRequiredMixin, solution_refusal
from apps.surfaces.api import TenantAccess
from apps.tasks.models import AssigneeKind, Task
from apps.tasks.selectors import role_claim_q
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


def workable_q(user: Any) -> Q:
    """The tasks `user` may log time on (tenant admins: any, see `may_work_on`): theirs by person, by a team
    they belong to, by a role they may claim at the workplace (unclaimed; once claimed, the claimer's), nobody's,
    or made by them. Two small queries (their teams, their role assignments)."""
    teams = list(EntityMembership.objects.filter(profile__user_id=user.pk).values_list("entity_id", flat=True))
    return (
        Q(assignee_id=user.pk)
        | Q(assignee_kind=AssigneeKind.TEAM, team_id__in=teams)
        | role_claim_q(user)
        | Q(assignee_kind=AssigneeKind.NOBODY)
        | Q(created_by_id=user.pk)
    )


def may_work_on(task: Task, user: Any) -> bool:
    """Whether `user` may log time on `task`: a tenant admin on any; else one of `workable_q`."""
    if getattr(user, "pk", None) is None:
        return False
    if task.assignee_id == user.pk or task.created_by_id == user.pk or task.assignee_kind == AssigneeKind.NOBODY:
        return True
    if manages_everyone(user):
        return True
    if task.assignee_kind == AssigneeKind.PERSON:
        return False
    return Task.objects.filter(pk=task.pk).filter(workable_q(user)).exists()


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
