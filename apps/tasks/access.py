"""Who may use tasks: the plan's `tasks` solution, through solution access.

- a member with access sees the tasks they are given, made, watch, of their teams, of the people
  reporting to them, and the role tasks they may claim; they work on those (status, checklist,
  evidence, comments) and create tasks;
- whoever made a task, and tenant admins, edit and reassign it; tenant admins see every task and
  manage templates. API keys need the `tasks` scopes (they see every task; "me" endpoints need a
  person: `person_required`).
"""

from typing import Any

from django.http import Http404, HttpRequest
from rest_framework import exceptions

from apps.access.selectors import assignments_of_user
from apps.accounts.access import MembershipRefused, is_service_principal, is_tenant_admin
from apps.solutions.access import HasSolutionAccess, SolutionRequiredMixin
from apps.surfaces.api import TenantAccess

from .models import Task, TaskTemplate
from .selectors import visible_q

SOLUTION = "tasks"
API_PERMISSIONS = [TenantAccess, HasSolutionAccess]
PERSON_REQUIRED = "Tasks of 'me' belong to a person: sign in as one (an API key has none)."


class TasksPortalMixin(SolutionRequiredMixin):
    solution_code = SOLUTION


class TasksApiMixin:
    tenant_access = "member"
    resource_family = "tasks"
    solution_code = SOLUTION
    permission_classes = API_PERMISSIONS


def sees_everything(request: HttpRequest) -> bool:
    return is_service_principal(request.user) or is_tenant_admin(request)


def person_require(user: Any) -> None:
    if is_service_principal(user):
        raise exceptions.PermissionDenied({"detail": PERSON_REQUIRED, "code": "person_required"})


def task_get_for(request: HttpRequest, pk: Any, *, lock: bool = False) -> Task:
    """A task the caller may see, else the same 404 as a missing one."""
    try:
        rows = Task.objects.filter(pk=int(pk)).select_related("workplace__entity", "assignee", "team", "role")
    except (TypeError, ValueError):
        raise Http404("No such task.") from None
    if not sees_everything(request):
        rows = rows.filter(visible_q(request.user))
    found = rows.first()
    if found is None:
        raise Http404("No such task.")
    return found


def manage_require(request: HttpRequest, task: Task) -> None:
    """Editing and reassigning: whoever made the task, or a tenant admin (or an API key)."""
    if sees_everything(request) or task.created_by_id == request.user.pk:
        return
    raise MembershipRefused("Only whoever made the task or a tenant admin may change it.", code="manage_refused")


def admin_require(request: HttpRequest) -> None:
    if not sees_everything(request):
        raise MembershipRefused("Only tenant administrators manage task templates.", code="admin_required")


def template_get(pk: Any) -> TaskTemplate:
    try:
        found = TaskTemplate.objects.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise Http404("No such template.")
    return found


def claim_target_get(request: HttpRequest, pk: Any) -> Task:
    """The task to claim: one the caller sees, or a role task of a role they hold that someone else
    already claimed (so a late claimer hears `already_claimed`, not "missing")."""
    try:
        return task_get_for(request, pk)
    except Http404:
        roles = assignments_of_user(request.user).values("role_id")
        found = Task.objects.filter(pk=int(pk), assignee_kind="role", role_id__in=roles).first()
        if found is None:
            raise
        return found
