"""Reads on access requests (portal, API and the services' checks)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from apps.access.models import Role
from apps.access.selectors import assignments_of_user
from apps.approvals.models import ApprovalEvent, ApprovalRequest
from apps.approvals.selectors import request_visible_to
from apps.catalogue.models import Solution
from apps.organisation.models import Entity, EntityStatus
from apps.solutions.selectors import plan_solutions_of, user_solutions

from .models import KIND, OPEN_STATUSES, AccessRequest

RELATED = ("requester", "role", "entity", "decided_by")


def holds_role_at(user: Any, *, role: Role, entity: Entity) -> bool:
    """The user holds the role (given to them or to a team of theirs, current or scheduled) at the entity
    or at an entity above it (an assignment covers its scope's subtree)."""
    held = (
        assignments_of_user(user)
        .filter(role=role, scope_entity__isnull=False)
        .values_list("scope_entity__path", flat=True)
    )
    return any(entity.path.startswith(path) for path in held)


def open_request_exists(user: Any, *, kind: str, **target: Any) -> bool:
    return AccessRequest.objects.filter(requester_id=user.pk, kind=kind, status__in=OPEN_STATUSES, **target).exists()


def access_requests_of(user: Any) -> QuerySet[AccessRequest]:
    """The person's own requests, newest first."""
    return AccessRequest.objects.filter(requester_id=user.pk).select_related(*RELATED)


def access_requests_all(*, status: str = "", kind: str = "", requester: Any = None) -> QuerySet[AccessRequest]:
    """Every request of the organisation (tenant admins), newest first, optionally filtered."""
    rows = AccessRequest.objects.select_related(*RELATED)
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    if requester is not None:
        rows = rows.filter(requester_id=requester.pk)
    return rows


def approval_request_of(access_request: AccessRequest) -> ApprovalRequest | None:
    """The approval request of this access request (the latest, if it was ever submitted again)."""
    rows = ApprovalRequest.objects.filter(kind=KIND, subject_id=str(access_request.pk))
    return rows.order_by("-created_at").first()


def access_request_get_for(user: Any, *, pk: Any, is_admin: bool) -> AccessRequest:
    """The request if the person may see it (the requester, a tenant admin, or anyone the approval
    trail shows it to: its approvers); else the same 404 as a missing one."""
    try:
        pk = AccessRequest._meta.pk.to_python(pk)  # type: ignore[union-attr]
    except ValidationError:  # a malformed uuid is as missing as an unknown one
        pk = None
    found = AccessRequest.objects.select_related(*RELATED).filter(pk=pk).first() if pk else None
    if found is None:
        raise Http404("No such access request in this organisation.")
    if is_admin or found.requester_id == user.pk:
        return found
    approval = approval_request_of(found)
    if approval is not None and request_visible_to(user, approval):
        return found
    raise Http404("No such access request in this organisation.")


def requestable_roles() -> QuerySet[Role]:
    return Role.objects.order_by("path")


def requestable_entities() -> QuerySet[Entity]:
    """Active entities, in tree order (the chooser indents them by depth)."""
    return Entity.objects.filter(status=EntityStatus.ACTIVE).select_related("entity_type").order_by("path")


def requestable_solutions(user: Any, tenant: Any) -> list[Solution]:
    """The plan's solutions the person cannot use yet."""
    held = user_solutions(user, tenant)
    return [solution for solution in plan_solutions_of(tenant) if solution.code not in held]


def solution_names(codes: set[str]) -> dict[str, str]:
    return dict(Solution.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}


# The trail's actions that end a request, per outcome (the last one names who decided and why).
DECIDING_ACTIONS = {
    "approved": ("approved", "auto_approved"),
    "rejected": ("rejected", "auto_rejected"),
    "cancelled": ("cancelled",),
}


def approval_decision(request: ApprovalRequest, outcome: str) -> tuple[Any, str]:
    """(who decided, their reason or comment) from the approval's trail; (None, "") for the system."""
    event = (
        ApprovalEvent.objects.filter(request=request, action__in=DECIDING_ACTIONS.get(outcome, ()))
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )
    return (event.actor, event.comment) if event is not None else (None, "")
