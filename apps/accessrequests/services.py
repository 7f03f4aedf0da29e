"""Writes on access requests. Run in the tenant's schema.

`access_request_submit` checks the request (a role of this organisation at one of its active
entities that the requester does not hold there yet, or a solution of the plan they cannot use yet),
writes it and opens its approval request (kind "access.request") in one transaction.
The approval's outcome comes back through `apps.accessrequests.approval.on_decision`, which calls
`access_request_decide`: approval gives the role scoped to the entity (or the solution) through the
access services, in the approver's name; rejection keeps the reason. Deciding twice changes nothing.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.access.models import Role
from apps.access.services import assignment_create
from apps.accounts.models import Membership
from apps.approvals.services import request_cancel, request_resubmit, request_submit
from apps.audit import writes
from apps.core.events import publish
from apps.organisation.models import Entity, EntityStatus
from apps.solutions.selectors import user_solutions
from apps.solutions.services import solution_access_grant, solution_in_plan_check
from apps.tenancy.context import connection_tenant

from .models import KIND, AccessRequest, AccessRequestKind, AccessRequestStatus
from .payloads import access_request_payload
from .selectors import approval_request_of, holds_role_at, open_request_exists

AUDITED = writes.Fields(
    "kind", "status", "solution_code", "reason", "decision_reason", "role_assignment_id", "solution_access_id",
    role="role.code", entity="entity.code", requester="requester.code",
)  # fmt: skip


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _requester_check(*, requester: Any, acting_user: Any) -> None:
    if getattr(acting_user, "pk", None) != getattr(requester, "pk", None):
        raise _error("__all__", "People ask for access for themselves.", "not_requester")
    tenant = connection_tenant()
    if not Membership.objects.filter(tenant=tenant, user_id=requester.pk, status=Membership.Status.ACTIVE).exists():
        raise _error("__all__", "Only active members of this organisation can ask for access.", "not_member")


def _role_target_check(*, requester: Any, role: Role | None, entity: Entity | None) -> None:
    if role is None or not Role.objects.filter(pk=role.pk, uuid=role.uuid).exists():
        raise _error("role", "Choose a role of this organisation.", "invalid_role")
    if entity is None or not Entity.objects.filter(pk=entity.pk, uuid=entity.uuid).exists():
        raise _error("entity", "Choose an entity of this organisation.", "invalid_entity")
    if entity.status != EntityStatus.ACTIVE:
        raise _error("entity", f"{entity} is {entity.get_status_display().lower()}.", "entity_inactive")
    if holds_role_at(requester, role=role, entity=entity):
        raise _error("role", f"You already hold “{role}” at {entity} (or above it).", "already_held")
    if open_request_exists(requester, kind=AccessRequestKind.ROLE, role=role, entity=entity):
        raise _error("role", f"You already have an open request for “{role}” at {entity}.", "duplicate_request")


def _solution_target_check(*, requester: Any, solution_code: str) -> None:
    tenant = connection_tenant()
    if not solution_code:
        raise _error("solution_code", "Choose a solution.", "unknown_solution")
    solution_in_plan_check(tenant=tenant, solution_code=solution_code)
    if solution_code in user_solutions(requester, tenant):
        raise _error("solution_code", "You can already use this solution.", "already_held")
    if open_request_exists(requester, kind=AccessRequestKind.SOLUTION, solution_code=solution_code):
        raise _error("solution_code", "You already have an open request for this solution.", "duplicate_request")


def _target_check(*, requester: Any, kind: str, role: Any, entity: Any, solution_code: str) -> None:
    if kind == AccessRequestKind.ROLE:
        if solution_code:
            raise _error("solution_code", "A role request names no solution.", "invalid_target")
        _role_target_check(requester=requester, role=role, entity=entity)
    elif kind == AccessRequestKind.SOLUTION:
        if role is not None or entity is not None:
            raise _error("role", "A solution request names no role or entity.", "invalid_target")
        _solution_target_check(requester=requester, solution_code=solution_code)
    else:
        raise _error("kind", f"Ask for a role or a solution, not {kind!r}.", "invalid_kind")


@transaction.atomic
def access_request_submit(
    *,
    requester: Any,
    kind: str,
    role: Role | None = None,
    entity: Entity | None = None,
    solution_code: str = "",
    reason: str,
    acting_user: Any,
) -> AccessRequest:
    """Ask for a role at an entity or for a solution; opens the approval request of kind "access.request"."""
    reason = (reason or "").strip()
    solution_code = (solution_code or "").strip()
    _requester_check(requester=requester, acting_user=acting_user)
    if not reason:
        raise _error("reason", "Say why you need this access.", "reason_required")
    _target_check(requester=requester, kind=kind, role=role, entity=entity, solution_code=solution_code)
    access_request = AccessRequest(
        requester=requester, kind=kind, role=role, entity=entity, solution_code=solution_code, reason=reason
    )
    writes.save_audited(
        access_request, action="access_request.submitted", acting_user=acting_user, tenant=connection_tenant(),
        fields=AUDITED, before=None,
    )  # fmt: skip
    request_submit(kind=KIND, subject=access_request, requester=requester, acting_user=acting_user, note=reason)
    return access_request


def _approval_of(access_request: AccessRequest) -> Any:
    approval = approval_request_of(access_request)
    if approval is None:
        raise _error("__all__", "This request has no approval request.", "no_approval")
    return approval


def _open_locked(access_request: AccessRequest) -> AccessRequest:
    return writes.locked(access_request, "requester", "role", "entity")


@transaction.atomic
def access_request_cancel(*, access_request: AccessRequest, acting_user: Any, reason: str = "") -> AccessRequest:
    """The requester withdraws an open request (the approval request is cancelled with it)."""
    if getattr(acting_user, "pk", None) != access_request.requester_id:
        raise _error("__all__", "Only the person who asked can cancel this request.", "not_requester")
    if not _open_locked(access_request).is_open:
        raise _error("__all__", f"This request is already {access_request.get_status_display().lower()}.", "closed")
    request_cancel(
        request=_approval_of(access_request), acting_user=acting_user, reason=reason
    )  # on_decision marks it cancelled
    access_request.refresh_from_db()
    return access_request


@transaction.atomic
def access_request_resubmit(*, access_request: AccessRequest, reason: str, acting_user: Any) -> AccessRequest:
    """The requester answers a return for changes: a new reason, and the approval goes on."""
    reason = (reason or "").strip()
    if getattr(acting_user, "pk", None) != access_request.requester_id:
        raise _error("__all__", "Only the person who asked can resubmit this request.", "not_requester")
    row = _open_locked(access_request)
    if row.status != AccessRequestStatus.RETURNED:
        raise _error("__all__", "Only a request returned for changes can be resubmitted.", "not_returned")
    if not reason:
        raise _error("reason", "Say why you need this access.", "reason_required")
    with writes.audited(row, action="access_request.resubmitted", acting_user=acting_user,
                        tenant=connection_tenant(), fields=AUDITED):  # fmt: skip
        row.reason, row.status, row.decision_reason = reason, AccessRequestStatus.PENDING, ""
    request_resubmit(request=_approval_of(row), acting_user=acting_user, note=reason)
    return row


# --- The outcome (called by approvals, inside the deciding transaction) ---------------------------


def _grant(access_request: AccessRequest, *, acting_user: Any) -> None:
    """The role scoped to the entity, or the solution; nothing new when the requester holds it already."""
    note = f"Access request: {access_request.reason}"[:255]
    role, entity = access_request.role, access_request.entity
    if role is not None and entity is not None:  # a role request (the database says it names both)
        if not holds_role_at(access_request.requester, role=role, entity=entity):
            assignment = assignment_create(
                role=role, user=access_request.requester, scope_entity=entity, reason=note, acting_user=acting_user
            )
            access_request.role_assignment_id = assignment.pk
    elif access_request.solution_code not in user_solutions(access_request.requester, connection_tenant()):
        grant = solution_access_grant(
            solution_code=access_request.solution_code, user=access_request.requester, reason=note,
            acting_user=acting_user,
        )  # fmt: skip
        access_request.solution_access_id = grant.pk


DECISIONS = {
    "approved": AccessRequestStatus.APPROVED,
    "rejected": AccessRequestStatus.REJECTED,
    "cancelled": AccessRequestStatus.CANCELLED,
}


@transaction.atomic
def access_request_decide(
    *, access_request: AccessRequest, outcome: str, acting_user: Any, reason: str = ""
) -> AccessRequest:
    """Apply the approval's final outcome. Idempotent: a request already decided is left as it is."""
    if outcome not in DECISIONS:
        raise ValueError(f"Unknown outcome {outcome!r}; expected one of {sorted(DECISIONS)}.")
    row = _open_locked(access_request)
    if not row.is_open:
        return row
    with writes.audited(row, action=f"access_request.{outcome}", acting_user=acting_user,
                        tenant=connection_tenant(), fields=AUDITED):  # fmt: skip
        if outcome == "approved":
            _grant(row, acting_user=acting_user)
        row.status, row.decided_at = DECISIONS[outcome], timezone.now()
        row.decided_by = writes.history_user(acting_user)
        row.decision_reason = (reason or "").strip()
    if outcome in ("approved", "rejected"):
        publish(f"access_request.{outcome}", access_request_payload(row), tenant=connection_tenant())
    return row


@transaction.atomic
def access_request_mark_returned(*, access_request: AccessRequest, reason: str, acting_user: Any) -> AccessRequest:
    """The approver sent the request back for changes (told by the approval's `approval.returned` event)."""
    row = _open_locked(access_request)
    if row.status != AccessRequestStatus.PENDING:
        return row
    with writes.audited(row, action="access_request.returned", acting_user=acting_user,
                        tenant=connection_tenant(), fields=AUDITED):  # fmt: skip
        row.status, row.decision_reason = AccessRequestStatus.RETURNED, (reason or "").strip()
    return row


@transaction.atomic
def access_request_mark_resubmitted(*, access_request: AccessRequest, acting_user: Any) -> AccessRequest:
    """The returned approval was sent again from the approvals pages: pending again, same reason."""
    row = _open_locked(access_request)
    if row.status != AccessRequestStatus.RETURNED:
        return row
    with writes.audited(row, action="access_request.resubmitted", acting_user=acting_user,
                        tenant=connection_tenant(), fields=AUDITED):  # fmt: skip
        row.status, row.decision_reason = AccessRequestStatus.PENDING, ""
    return row
