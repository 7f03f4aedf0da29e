"""Reads on approvals (the portal and the API build on these)."""

from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from apps.accounts.selectors import tenant_admins
from apps.core.contributions import ApprovalKind

from .kinds import kinds as declared_kinds
from .models import (
    ApprovalAssignment,
    ApprovalEvent,
    ApprovalRequest,
    ApprovalStep,
    ApprovalWorkflow,
    AssignmentStatus,
    Delegation,
    RequestStatus,
)


def kinds() -> list[ApprovalKind]:
    """The declared kinds of request (contributed `ApprovalKind`s)."""
    return declared_kinds()


def is_admin(user: Any) -> bool:
    """An active tenant admin of the current schema's tenant (one query, cached on the user object)."""
    if not getattr(user, "pk", None) or getattr(user, "is_service_principal", False):
        return False
    cache = user.__dict__.setdefault("_approvals_admin", {})
    schema = getattr(connection, "schema_name", "")
    if schema not in cache:
        cache[schema] = tenant_admins(schema_name=schema).filter(user_id=user.pk).exists()
    return bool(cache[schema])


def _requests() -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.select_related("requester")


def inbox_for(user: Any, *, kind: str | None = None) -> QuerySet[ApprovalRequest]:
    """Requests waiting for the person's decision now, newest first (one indexed join)."""
    rows = _requests().filter(
        status=RequestStatus.PENDING, assignments__approver_id=user.pk, assignments__status=AssignmentStatus.PENDING
    )
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("-created_at", "-id")


def requests_by(user: Any, *, status: str | None = None, kind: str | None = None) -> QuerySet[ApprovalRequest]:
    """The person's own requests, newest first."""
    rows = _requests().filter(requester_id=user.pk)
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("-created_at", "-id")


def requests_decided_by(user: Any) -> QuerySet[ApprovalRequest]:
    """Requests the person was asked about (past or present), newest first."""
    asked = ApprovalAssignment.objects.filter(request=OuterRef("pk"), approver_id=user.pk)
    return _requests().filter(Exists(asked)).order_by("-created_at", "-id")


def request_visible_to(user: Any, request: ApprovalRequest) -> bool:
    """The requester, anyone asked about it (past or present) and the tenant's admins see a request."""
    if not getattr(user, "pk", None) or getattr(user, "is_service_principal", False):
        return False
    if request.requester_id == user.pk or is_admin(user):
        return True
    return ApprovalAssignment.objects.filter(request=request, approver_id=user.pk).exists()


def request_get_for_user(user: Any, *, uuid: Any) -> ApprovalRequest:
    """One request the person may see; the same 404 for "not yours" and "missing"."""
    try:
        request = _requests().select_related("workflow").filter(uuid=uuid).first()
    except (ValueError, TypeError):
        request = None
    if request is None or not request_visible_to(user, request):
        raise Http404("No such approval request.")
    return request


def request_trail(request: ApprovalRequest) -> QuerySet[ApprovalEvent]:
    """Everything that happened to the request, oldest first (actors and steps joined)."""
    return ApprovalEvent.objects.filter(request=request).select_related("actor", "step").order_by("created_at", "id")


def request_steps(request: ApprovalRequest) -> list[ApprovalStep]:
    """The steps of the request's current round, each with its assignments (two queries)."""
    steps = ApprovalStep.objects.filter(request=request, round=request.round).order_by("position")
    return list(steps.prefetch_related("assignments__approver", "assignments__on_behalf_of"))


def pending_approver_ids(request: ApprovalRequest) -> list[Any]:
    return list(
        ApprovalAssignment.objects.filter(request=request, status=AssignmentStatus.PENDING).values_list(
            "approver_id", flat=True
        )
    )


def can_act(user: Any, request: ApprovalRequest) -> bool:
    """Is the person asked to decide the request's open step now?"""
    if request.status != RequestStatus.PENDING or not getattr(user, "pk", None):
        return False
    return ApprovalAssignment.objects.filter(
        request=request, approver_id=user.pk, status=AssignmentStatus.PENDING
    ).exists()


def workflows_list(*, kind: str | None = None) -> QuerySet[ApprovalWorkflow]:
    rows = ApprovalWorkflow.objects.prefetch_related("steps")
    return rows.filter(kind=kind) if kind else rows


def workflow_get(*, uuid: Any) -> ApprovalWorkflow:
    try:
        workflow = workflows_list().filter(uuid=uuid).first()
    except (ValueError, TypeError):
        workflow = None
    if workflow is None:
        raise Http404("No such workflow.")
    return workflow


def delegations_of(user: Any, *, current_only: bool = False) -> QuerySet[Delegation]:
    """Delegations the person gave or received."""
    rows = Delegation.objects.select_related("delegator", "delegate").filter(
        Q(delegator_id=user.pk) | Q(delegate_id=user.pk)
    )
    if current_only:
        rows = rows.filter(revoked_at__isnull=True, ends_on__gte=timezone.localdate())
    return rows


def delegations_list() -> QuerySet[Delegation]:
    """Every delegation of the organisation (administrators)."""
    return Delegation.objects.select_related("delegator", "delegate", "created_by")


def delegation_get(*, uuid: Any) -> Delegation:
    try:
        delegation = delegations_list().filter(uuid=uuid).first()
    except (ValueError, TypeError):
        delegation = None
    if delegation is None:
        raise Http404("No such delegation.")
    return delegation
