"""Who may see and change a task's dependencies (the plan's `tasks` solution, through solution access).

- tenant admins, and API keys holding the `tasks` scopes, reach every task of the tenant;
- another member with access to Tasks reaches the tasks they are involved in: created, assigned to
  them (or claimed by them), watched, or assigned to a team they belong to.

Both ends of a link must be reachable by the caller. A task the caller cannot reach is the same 404 as
a missing one. (When the task engine's own access helper lands, this module should defer to it.)
"""

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest

from apps.accounts.access import is_service_principal, is_tenant_admin
from apps.organisation.models import EntityMembership
from apps.solutions.access import HasSolutionAccess, SolutionRequiredMixin
from apps.surfaces.api import TenantAccess

from .models import Task, TaskDependency, TaskWatcher

SOLUTION = "tasks"
NOT_FOUND = "No such task."


class DependencyApiMixin:
    tenant_access = "member"
    resource_family = "tasks"
    solution_code = SOLUTION
    permission_classes = [TenantAccess, HasSolutionAccess]


class DependencyPortalMixin(SolutionRequiredMixin):
    solution_code = SOLUTION


def sees_every_task(request: HttpRequest) -> bool:
    return is_service_principal(request.user) or is_tenant_admin(request)


def tasks_for(request: HttpRequest) -> QuerySet[Task]:
    """The tasks the caller may reach."""
    tasks = Task.objects.all()
    if sees_every_task(request):
        return tasks
    user_id: Any = request.user.pk
    in_team = EntityMembership.objects.filter(entity_id=OuterRef("team_id"), profile__user_id=user_id)
    watching = TaskWatcher.objects.filter(task_id=OuterRef("pk"), user_id=user_id)
    return tasks.filter(Q(created_by_id=user_id) | Q(assignee_id=user_id) | Exists(watching) | Exists(in_team))


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Http404(NOT_FOUND) from exc


def task_get_for(request: HttpRequest, pk: Any) -> Task:
    found = tasks_for(request).filter(pk=_pk(pk)).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def link_get_for(request: HttpRequest, task: Task, pk: Any) -> TaskDependency:
    """A link of `task` (either end) whose other end the caller may reach too, else 404."""
    link = TaskDependency.objects.filter(Q(predecessor_id=task.pk) | Q(successor_id=task.pk), pk=_pk(pk)).first()
    if link is None:
        raise Http404("No such dependency.")
    other = link.predecessor_id if link.successor_id == task.pk else link.successor_id
    if not tasks_for(request).filter(pk=other).exists():
        raise Http404("No such dependency.")
    return link
