"""Reads the approvals pages need beyond the engine's selectors (apps.approvals.selectors): finding a
request by uuid for a person (404 alike for "missing" and "not yours"), whether they may act on it,
their delegations, and the workflows per kind."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from apps.approvals.models import (
    ApprovalAssignment,
    ApprovalRequest,
    ApprovalWorkflow,
    AssignmentStatus,
    Delegation,
)
from apps.approvals.selectors import request_visible_to


def _uuid(value: Any) -> Any:
    try:
        return ApprovalRequest._meta.get_field("uuid").to_python(value)
    except ValidationError:
        return None


def request_get_for(user: Any, *, uuid: Any) -> ApprovalRequest:
    """The request when the person may see it (requester, an approver past or present, a tenant admin)."""
    found = ApprovalRequest.objects.select_related("requester", "workflow").filter(uuid=_uuid(uuid)).first()
    if found is None or not request_visible_to(user, found):
        raise Http404("No such approval request in this organisation.")
    return found


def waiting_on(user: Any, request: ApprovalRequest) -> ApprovalAssignment | None:
    """The person's pending assignment on the request's open step (None: nothing for them to decide)."""
    return (
        ApprovalAssignment.objects.filter(request=request, approver_id=user.pk, status=AssignmentStatus.PENDING)
        .select_related("on_behalf_of", "step")
        .first()
    )


def request_steps(request: ApprovalRequest) -> list[Any]:
    """The steps of the request's latest round, each with its assignments (two queries)."""
    steps = list(request.steps.filter(round=request.round).order_by("position").prefetch_related(
        "assignments__approver", "assignments__on_behalf_of"))  # fmt: skip
    return steps


def delegations_of(user: Any) -> QuerySet[Delegation]:
    """Delegations the person gave or received, newest first."""
    return (
        (Delegation.objects.filter(delegator_id=user.pk) | Delegation.objects.filter(delegate_id=user.pk))
        .select_related("delegator", "delegate")
        .order_by("-starts_on", "-id")
    )


def delegation_get_for(user: Any, *, uuid: Any) -> Delegation:
    found = Delegation.objects.filter(uuid=_uuid(uuid), delegator_id=user.pk).first()
    if found is None:
        raise Http404("No such delegation.")
    return found


def workflows_by_kind() -> dict[str, list[ApprovalWorkflow]]:
    found: dict[str, list[ApprovalWorkflow]] = {}
    for workflow in ApprovalWorkflow.objects.prefetch_related("steps").order_by("kind", "-is_active", "name"):
        found.setdefault(workflow.kind, []).append(workflow)
    return found


def workflow_get(*, uuid: Any) -> ApprovalWorkflow:
    found = ApprovalWorkflow.objects.filter(uuid=_uuid(uuid)).first()
    if found is None:
        raise Http404("No such workflow.")
    return found
