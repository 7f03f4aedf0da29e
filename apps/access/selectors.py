"""Reads on access control (the portal and the API build on these)."""

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from apps.organisation.models import EntityMembership

from .models import AssignmentStatus, Role, RoleAssignment

CURRENT = (AssignmentStatus.SCHEDULED, AssignmentStatus.ACTIVE)


def roles_list() -> QuerySet[Role]:
    """Every role, tree order, with how many current (scheduled or active) assignments it has."""
    return Role.objects.select_related("parent").annotate(
        current_assignments=Count("assignments", filter=Q(assignments__status__in=CURRENT))
    )


def role_get(*, pk: Any) -> Role:
    role = Role.objects.select_related("parent").filter(pk=pk).first()
    if role is None:
        raise Http404("No such role in this organisation.")
    return role


def assignments_list(
    *, status: str | None = None, role: Role | None = None, user: Any = None, scope_entity: Any = None
) -> QuerySet[RoleAssignment]:
    rows = RoleAssignment.objects.select_related(
        "role", "user", "team", "api_key", "scope_entity", "scope_content_type", "created_by", "ended_by"
    )
    if status:
        rows = rows.filter(status=status)
    if role is not None:
        rows = rows.filter(role=role)
    if user is not None:
        rows = rows.filter(user=user)
    if scope_entity is not None:
        rows = rows.filter(scope_entity=scope_entity)
    return rows


def assignment_get(*, pk: Any) -> RoleAssignment:
    assignment = assignments_list().filter(pk=pk).first()
    if assignment is None:
        raise Http404("No such assignment in this organisation.")
    return assignment


def assignments_of_user(user: Any, *, current_only: bool = True) -> QuerySet[RoleAssignment]:
    """The user's assignments: given to them, or to a team (entity) they belong to."""
    teams = EntityMembership.objects.filter(profile__user_id=user.pk).values("entity_id")
    rows = assignments_list().filter(Q(user_id=user.pk) | Q(team_id__in=teams))
    return rows.filter(status__in=CURRENT) if current_only else rows
