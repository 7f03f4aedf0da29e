"""Approvals writes: workflows, requests and their transitions, delegations (docs/approvals.md).

Every transition locks the request row first (`select_for_update`), so two approvers acting on
the same step at once are serialised and exactly one decision is taken; the second finds their
assignment no longer pending and is told so. Each transition writes the trail (`ApprovalEvent`),
history (the request's), an audit event, and publishes its domain event after commit. The kind's
`on_decision(request, outcome)` runs inside the deciding transaction: if it raises, nothing of the
decision is kept and the caller gets a `ValidationError` that says why.
"""

import datetime
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from apps.access.models import AssignmentStatus as RoleAssignmentStatus
from apps.access.models import Role, RoleAssignment
from apps.accounts.models import User
from apps.audit import writes
from apps.audit.services import audit_record
from apps.core.contributions import ApprovalKind, resolve
from apps.core.events import publish
from apps.organisation.models import Entity, EntityMembership
from apps.tenancy.context import connection_tenant

from .due.services import due_lower
from .kinds import condition_errors, condition_holds, kind_find, kind_get, subject_fields, subject_summary
from .models import (
    OPEN_REQUEST_STATUSES,
    ApprovalAssignment,
    ApprovalEvent,
    ApprovalRequest,
    ApprovalStep,
    ApprovalStepDefinition,
    ApprovalWorkflow,
    ApproverType,
    AssignmentStatus,
    Delegation,
    EventAction,
    RequestStatus,
    StepRule,
    StepStatus,
    TimeoutAction,
)
from .payloads import request_payload, step_payload
from .routing import Names, Route, active_member_ids, escalation_targets, routes_resolve, step_candidates, uid
from .selectors import is_admin, request_visible_to

A = EventAction
STEP_FIELDS = (
    "position", "name", "approver_type", "manager_levels", "role_id", "team_id", "people", "rule", "quorum",
    "condition", "time_limit_hours", "reminder_hours", "on_timeout", "fallback_approver_id",
)  # fmt: skip
WORKFLOW_AUDITED = ("kind", "name", "description", "is_active")
MAX_DELEGATION_CHAIN = 50


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _actor_id(acting_user: Any) -> Any:
    return getattr(writes.history_user(acting_user), "pk", None)


def _ids(user_ids: Iterable[Any]) -> list[str]:
    """User ids as a payload carries them (strings)."""
    return [str(pk) for pk in user_ids]


# --- Workflows -------------------------------------------------------------------------------------


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value) if value not in ("", None) else None


def _user_id(value: Any) -> str | None:
    """A user id as the snapshot stores it (a string)."""
    return str(uid(value)) if value not in ("", None) else None


def _int_or_none(value: Any) -> int | None:
    if value in ("", None):
        return None
    return int(value)


def step_normalise(raw: dict[str, Any], position: int) -> dict[str, Any]:
    """A step dict (model field names; related rows as objects or ids) as the snapshot stores it."""
    people = raw.get("people") or []
    if isinstance(people, str):
        people = [part for part in people.replace(",", " ").split() if part]
    approver_type = raw.get("approver_type") or ""
    rule = raw.get("rule") or StepRule.ANY
    return {
        "position": position,
        "name": (raw.get("name") or "").strip() or ApproverType(approver_type).label
        if approver_type in ApproverType.values
        else (raw.get("name") or "").strip(),
        "approver_type": approver_type,
        "manager_levels": _int_or_none(raw.get("manager_levels")) or 1,
        "role_id": _pk(raw.get("role", raw.get("role_id"))) if approver_type == ApproverType.ROLE else None,
        "team_id": _pk(raw.get("team", raw.get("team_id"))) if approver_type == ApproverType.TEAM else None,
        "people": [str(uid(person)) for person in people] if approver_type == ApproverType.PEOPLE else [],
        "rule": rule,
        "quorum": _int_or_none(raw.get("quorum")) if rule == StepRule.QUORUM else None,
        "condition": raw.get("condition") or None,
        "time_limit_hours": _int_or_none(raw.get("time_limit_hours")),
        "reminder_hours": _int_or_none(raw.get("reminder_hours")),
        "on_timeout": raw.get("on_timeout") or TimeoutAction.ESCALATE,
        "fallback_approver_id": _user_id(raw.get("fallback_approver", raw.get("fallback_approver_id"))),
    }


def _role_has_holders(role_id: Any) -> bool:
    current = RoleAssignment.objects.filter(role_id=role_id, status=RoleAssignmentStatus.ACTIVE)
    users = current.filter(user__isnull=False)
    teams = EntityMembership.objects.filter(entity_id__in=current.filter(team__isnull=False).values("team_id"))
    return users.exists() or teams.exists()


def _step_errors(kind: ApprovalKind, step: dict[str, Any]) -> list[str]:
    """What is wrong with one normalised step (empty: nothing)."""
    errors: list[str] = []
    if step["approver_type"] not in ApproverType.values:
        return [f"Choose who approves (one of {', '.join(ApproverType.values)})."]
    if step["rule"] not in StepRule.values:
        errors.append(f"Unknown rule “{step['rule']}” (use any, all or quorum).")
    elif step["rule"] == StepRule.QUORUM and (step["quorum"] is None or step["quorum"] < 1):
        errors.append("A quorum step needs a quorum of at least 1.")
    if step["on_timeout"] not in TimeoutAction.values:
        errors.append(f"Unknown timeout action “{step['on_timeout']}” (use escalate, approve or reject).")
    if step["manager_levels"] < 1:
        errors.append("Manager levels start at 1 (the direct manager).")
    for name in ("time_limit_hours", "reminder_hours"):
        if step[name] is not None and step[name] < 1:
            errors.append(f"{name.replace('_', ' ').capitalize()} must be at least 1.")
    if step["time_limit_hours"] and step["reminder_hours"] and step["reminder_hours"] >= step["time_limit_hours"]:
        errors.append("The reminder must come before the time limit.")
    fallback = step["fallback_approver_id"]
    if fallback is not None and not active_member_ids([fallback]):
        errors.append("The fallback approver is not an active member of the organisation.")
    errors += _approver_errors(step, has_fallback=fallback is not None)
    errors += condition_errors(kind, step["condition"])
    return errors


def _approver_errors(step: dict[str, Any], *, has_fallback: bool) -> list[str]:
    approver_type = step["approver_type"]
    if approver_type == ApproverType.ROLE:
        role = Role.objects.filter(pk=step["role_id"]).first() if step["role_id"] else None
        if role is None:
            return ["Choose the role whose holders approve."]
        if not has_fallback and not _role_has_holders(role.pk):
            return [
                f"Nobody holds the role {role.name} anywhere: give the role to someone or name a fallback approver."
            ]
    elif approver_type == ApproverType.TEAM:
        team = Entity.objects.filter(pk=step["team_id"]).first() if step["team_id"] else None
        if team is None:
            return ["Choose the team whose members approve."]
        if not has_fallback and not EntityMembership.objects.filter(entity=team).exists():
            return [f"The team {team.name} has no members: add people to it or name a fallback approver."]
    elif approver_type == ApproverType.PEOPLE:
        if not step["people"]:
            return ["Name at least one approver."]
        missing = {uid(pk) for pk in step["people"]} - active_member_ids(step["people"])
        if missing:
            emails = ", ".join(User.objects.filter(pk__in=missing).values_list("email", flat=True)) or "unknown people"
            return [f"Not active members of the organisation: {emails}."]
    return []


def _steps_normalised(kind_name: str, steps: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    kind = kind_find(kind_name)
    if kind is None:
        return [], [f"Unknown kind of request “{kind_name}”."]
    if not steps:
        return [], ["A workflow needs at least one step."]
    normalised, errors = [], []
    for position, raw in enumerate(steps, start=1):
        try:
            step = step_normalise(raw, position)
        except (TypeError, ValueError) as error:
            errors.append(f"Step {position}: a number is not valid ({error}).")
            continue
        normalised.append(step)
        errors += [f"Step {position} ({step['name'] or 'unnamed'}): {message}" for message in _step_errors(kind, step)]
    return normalised, errors


def workflow_validate(*, kind: str, steps: list[dict[str, Any]]) -> list[str]:
    """Why this definition cannot be saved (empty: it can)."""
    return _steps_normalised(kind, steps)[1]


@transaction.atomic
def workflow_save(
    *,
    kind: str,
    name: str,
    steps: list[dict[str, Any]],
    description: str = "",
    is_active: bool = True,
    workflow: ApprovalWorkflow | None = None,
    acting_user: Any,
) -> ApprovalWorkflow:
    """Create (or replace the definition of) a workflow. Saving an active workflow deactivates the
    kind's other active one; open requests keep the steps they were submitted with."""
    normalised, errors = _steps_normalised(kind, steps)
    if not (name or "").strip():
        errors.insert(0, "Give the workflow a name.")
    if errors:
        raise ValidationError(errors, code="invalid_workflow")
    tenant = connection_tenant()
    if is_active:
        others = ApprovalWorkflow.objects.select_for_update().filter(kind=kind, is_active=True)
        if workflow is not None:
            others = others.exclude(pk=workflow.pk)
        for other in others:
            writes.update(other, changes={"is_active": False}, action="approval_workflow.deactivated",
                          acting_user=acting_user, tenant=tenant)  # fmt: skip
    if workflow is None:
        row, before = ApprovalWorkflow(kind=kind, created_by=writes.history_user(acting_user)), None
    else:
        row = writes.locked(workflow)
        before = writes.snapshot(row, WORKFLOW_AUDITED)
    row.kind, row.name, row.description, row.is_active = kind, name.strip(), description, is_active
    writes.save(row, acting_user=acting_user)
    for old in list(row.steps.all()):
        old._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
        old.delete()
    for step in normalised:
        writes.save(ApprovalStepDefinition(workflow=row, **step), acting_user=acting_user)
    audit_record(action="approval_workflow.saved", acting_user=acting_user, tenant=tenant, target=row,
                 before=before, after={**writes.snapshot(row, WORKFLOW_AUDITED), "steps": normalised})  # fmt: skip
    return row


def workflow_steps(workflow: ApprovalWorkflow) -> list[dict[str, Any]]:
    """The workflow's steps as the snapshot stores them."""
    steps = []
    for step in workflow.steps.order_by("position"):
        row = {name: getattr(step, name) for name in STEP_FIELDS}
        row["people"] = [str(pk) for pk in step.people]
        row["fallback_approver_id"] = _user_id(step.fallback_approver_id)
        steps.append(row)
    return steps


def workflow_active(kind: str) -> ApprovalWorkflow | None:
    return ApprovalWorkflow.objects.filter(kind=kind, is_active=True).first()


def workflow_preview(
    *,
    kind: str,
    requester: Any,
    fields: dict[str, Any],
    workflow: ApprovalWorkflow | None = None,
    steps: list[dict[str, Any]] | None = None,
    day: datetime.date | None = None,
) -> list[dict[str, Any]]:
    """What a request of `requester` with `fields` would go through: per step, whether its condition
    includes it, who would be asked and why, and what routing decided (nothing is written).
    Steps come from `steps` (an unsaved definition), else `workflow`, else the kind's active one."""
    kind_obj = kind_get(kind)
    if steps is not None:
        specs, _ = _steps_normalised(kind, steps)
    else:
        source = workflow or workflow_active(kind)
        specs = workflow_steps(source) if source else []
    names, day = Names(), day or timezone.localdate()
    preview = []
    for spec in specs:
        included = condition_holds(kind_obj, spec["condition"], fields)
        entry: dict[str, Any] = {"position": spec["position"], "name": spec["name"], "included": included,
                                 "condition": spec["condition"], "rule": spec["rule"], "quorum": spec["quorum"],
                                 "approvers": [], "notes": [], "escalated": ""}  # fmt: skip
        if included:
            routing, escalated = _resolve(spec, kind=kind, requester_id=requester.pk, day=day, names=names)
            entry["approvers"] = [
                {"user_id": route.approver_id, "name": names[route.approver_id], "reason": route.reason,
                 "on_behalf_of_id": route.on_behalf_of_id}
                for route in routing
            ]  # fmt: skip
            entry["notes"], entry["escalated"] = escalated[0], escalated[1]
        preview.append(entry)
    return preview


def _resolve(
    spec: dict[str, Any], *, kind: str, requester_id: int, day: datetime.date, names: Names
) -> tuple[list[Route], tuple[list[str], str]]:
    """The routes of a step and (routing notes, "" or the sentence saying it escalated)."""
    candidates = step_candidates(spec, requester_id, names)
    routing = routes_resolve(candidates, kind=kind, requester_id=requester_id, day=day, names=names)
    notes = [note.text for note in routing.notes]
    if routing.routes:
        return routing.routes, (notes, "")
    targets, who = escalation_targets(spec, requester_id=requester_id, exclude=set(), names=names)
    if not targets:
        return [], (notes, "Nobody can approve this step.")
    return targets, (notes, f"Nobody could be asked: the step went to {who}.")


# --- Requests: helpers -----------------------------------------------------------------------------


def _now() -> datetime.datetime:
    return timezone.now()


def _events(request: ApprovalRequest, rows: Iterable[dict[str, Any]]) -> None:
    ApprovalEvent.objects.bulk_create([ApprovalEvent(request=request, **row) for row in rows])


def _event(request: ApprovalRequest, action: str, *, actor: Any = None, step: Any = None, comment: str = "",
           detail: dict[str, Any] | None = None) -> None:  # fmt: skip
    ApprovalEvent.objects.create(
        request=request, action=action, actor_id=_actor_id(actor), step=step, comment=comment, detail=detail or {}
    )


def _publish(event: str, request: ApprovalRequest, **extra: Any) -> None:
    if extra.get("actor_id") is not None:
        extra["actor_id"] = str(extra["actor_id"])
    publish(event, request_payload(request, **extra), tenant=connection_tenant())


def _save(request: ApprovalRequest, acting_user: Any, *fields: str) -> None:
    request._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    request.save(update_fields=[*fields, "updated_at"])


def _audit(action: str, request: ApprovalRequest, acting_user: Any, **after: Any) -> None:
    audit_record(action=f"approval_request.{action}", acting_user=acting_user, tenant=connection_tenant(),
                 target=request, after={"uuid": str(request.uuid), "kind": request.kind, "status": request.status,
                                        **after})  # fmt: skip


def _lock(request: ApprovalRequest) -> ApprovalRequest:
    return ApprovalRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)


def _spec(request: ApprovalRequest, position: int) -> dict[str, Any]:
    return next(spec for spec in request.steps_snapshot if spec["position"] == position)


def _current_step(request: ApprovalRequest) -> ApprovalStep | None:
    if request.current_position is None:
        return None
    return ApprovalStep.objects.filter(
        request=request, round=request.round, position=request.current_position, status=StepStatus.OPEN
    ).first()


def request_subject(request: ApprovalRequest) -> Any:
    """The subject row (None when it no longer exists or its app is not installed)."""
    try:
        model = django_apps.get_model(request.subject_model)
    except (LookupError, ValueError):
        return None
    return model._default_manager.filter(pk=request.subject_id).first()


def _close_round(request: ApprovalRequest, now: datetime.datetime) -> None:
    """Nothing more is asked in this round: open and waiting steps expire, pending assignments end."""
    ApprovalStep.objects.filter(request=request, round=request.round,
                                status__in=(StepStatus.OPEN, StepStatus.WAITING)).update(
        status=StepStatus.EXPIRED, decided_at=now
    )  # fmt: skip
    ApprovalAssignment.objects.filter(request=request, status=AssignmentStatus.PENDING).update(
        status=AssignmentStatus.SUPERSEDED, acted_at=now
    )


def _decide(request: ApprovalRequest, outcome: str, *, acting_user: Any, comment: str = "", **extra: Any) -> None:
    """The request's final outcome: closed, the kind told (in this transaction), audited, published."""
    now = _now()
    request.status, request.decided_at, request.current_position = outcome, now, None
    _save(request, acting_user, "status", "decided_at", "current_position")
    _close_round(request, now)
    kind = kind_find(request.kind)
    if kind is not None:
        try:
            with transaction.atomic():
                resolve(kind.on_decision)(request, outcome)
        except Exception as error:  # the decision must not stand without its effect
            raise ValidationError(
                f"The decision could not be applied to the {kind.label.lower()}: {error}", code="decision_failed"
            ) from error
    _audit(outcome, request, acting_user, comment=comment)
    _publish(f"approval.{outcome}", request, actor_id=_actor_id(acting_user), comment=comment, **extra)


# --- Requests: routing a round ---------------------------------------------------------------------


def _round_start(request: ApprovalRequest, *, acting_user: Any) -> None:
    """Create the round's steps from the snapshot (a step whose condition fails is skipped, and says
    why), then open the first one."""
    kind = kind_find(request.kind)
    steps, skipped = [], []
    for spec in request.steps_snapshot:
        included = condition_holds(kind, spec.get("condition"), request.fields)
        steps.append(ApprovalStep(
            request=request, round=request.round, position=spec["position"], name=spec["name"], rule=spec["rule"],
            quorum=spec["quorum"], status=StepStatus.WAITING if included else StepStatus.SKIPPED,
            decided_at=None if included else _now(),
        ))  # fmt: skip
    ApprovalStep.objects.bulk_create(steps)
    for step in steps:
        if step.status == StepStatus.SKIPPED:
            condition = _spec(request, step.position)["condition"]
            skipped.append(
                {
                    "action": A.SKIPPED,
                    "step": step,
                    "comment": "Its condition does not hold.",
                    "detail": {"condition": condition, "value": request.fields.get(condition["field"])},
                }
            )
    _events(request, skipped)
    _advance(request, acting_user=acting_user)


def _advance(request: ApprovalRequest, *, acting_user: Any) -> None:
    """Open the next waiting step of the round, or approve the request when none is left."""
    following = ApprovalStep.objects.filter(request=request, round=request.round, status=StepStatus.WAITING)
    if request.current_position is not None:
        following = following.filter(position__gt=request.current_position)
    step = following.order_by("position").first()
    if step is None:
        if not ApprovalStep.objects.filter(request=request, round=request.round, status=StepStatus.APPROVED).exists():
            _event(request, A.AUTO_APPROVED, comment="No step of the workflow applies to this request.")
        _decide(request, RequestStatus.APPROVED, acting_user=acting_user)
        return
    _step_open(request, step, acting_user=acting_user)


def _step_open(request: ApprovalRequest, step: ApprovalStep, *, acting_user: Any) -> None:
    spec, names, now = _spec(request, step.position), Names(), _now()
    candidates = step_candidates(spec, request.requester_id, names)
    routing = routes_resolve(candidates, kind=request.kind, requester_id=request.requester_id,
                             day=timezone.localdate(), names=names)  # fmt: skip
    events = [{"action": A.ROUTED, "step": step, "comment": note.text, "detail": {"user_id": note.user_id}}
              for note in routing.notes]  # fmt: skip
    routes = routing.routes
    if not routes:
        routes, who = escalation_targets(spec, requester_id=request.requester_id, exclude=set(), names=names)
        text = f"Nobody could be asked to approve “{step.name}”: " + (f"it went to {who}." if routes else "nobody can.")
        events.append({"action": A.ESCALATED, "step": step, "comment": text,
                       "detail": {"to": [route.approver_id for route in routes]}})  # fmt: skip
    if not routes:
        _events(request, events)
        step.status, step.opened_at, step.decided_at = StepStatus.REJECTED, now, now
        step.save(update_fields=["status", "opened_at", "decided_at"])
        _event(request, A.AUTO_REJECTED, step=step, comment=f"Nobody in the organisation can approve “{step.name}”.")
        _decide(request, RequestStatus.REJECTED, acting_user=None, comment="Nobody can approve this request.")
        return
    step.status, step.opened_at = StepStatus.OPEN, now
    step.due_at = now + timedelta(hours=spec["time_limit_hours"]) if spec["time_limit_hours"] else None
    step.remind_at = now + timedelta(hours=spec["reminder_hours"]) if spec["reminder_hours"] else None
    step.save(update_fields=["status", "opened_at", "due_at", "remind_at"])
    _assign(request, step, routes, events)
    request.current_position = step.position
    _save(request, acting_user, "current_position")
    due_lower(connection_tenant(), min((t for t in (step.due_at, step.remind_at) if t), default=None))
    _publish("approval.step_opened", request, step=step_payload(step),
             approver_ids=_ids(route.approver_id for route in routes))  # fmt: skip


def _assign(request: ApprovalRequest, step: ApprovalStep, routes: list[Route], events: list[dict[str, Any]]) -> None:
    ApprovalAssignment.objects.bulk_create(
        [ApprovalAssignment(step=step, request=request, approver_id=route.approver_id,
                            on_behalf_of_id=route.on_behalf_of_id, reason=route.reason[:500]) for route in routes],
        ignore_conflicts=True,
    )  # fmt: skip
    events += [{"action": A.ROUTED, "step": step, "comment": route.reason,
                "detail": {"approver_id": route.approver_id, "on_behalf_of_id": route.on_behalf_of_id}}
               for route in routes]  # fmt: skip
    _events(request, events)


def _step_tally(step: ApprovalStep) -> tuple[int, int]:
    """(approvals, still pending) of the step."""
    tally = ApprovalAssignment.objects.filter(step=step).aggregate(
        approved=Count("id", filter=Q(status=AssignmentStatus.APPROVED)),
        pending=Count("id", filter=Q(status=AssignmentStatus.PENDING)),
    )
    return tally["approved"], tally["pending"]


def _step_complete(step: ApprovalStep) -> bool:
    approved, pending = _step_tally(step)
    if step.rule == StepRule.ANY:
        needed = 1
    elif step.rule == StepRule.ALL:
        needed = approved + pending
    else:  # a quorum larger than the people asked needs all of them
        needed = min(step.quorum or 1, approved + pending)
    return approved >= max(needed, 1)


def _step_close(step: ApprovalStep, status: str, now: datetime.datetime) -> None:
    step.status, step.decided_at = status, now
    step.save(update_fields=["status", "decided_at"])
    step.assignments.filter(status=AssignmentStatus.PENDING).update(status=AssignmentStatus.SUPERSEDED, acted_at=now)


# --- Requests: the public transitions --------------------------------------------------------------


def _member_require(user: Any, message: str) -> None:
    if (
        not getattr(user, "pk", None)
        or getattr(user, "is_service_principal", False)
        or not active_member_ids([user.pk])
    ):
        raise PermissionDenied(message)


@transaction.atomic
def request_submit(
    *, kind: str, subject: Any, requester: Any, acting_user: Any = None, note: str = ""
) -> ApprovalRequest:
    """Open a request for `subject` under the kind's active workflow and route its first step.

    Refused: an unknown kind, a subject of another model, a requester who is not an active member,
    no active workflow for the kind (an administrator defines one first), an open request of the
    kind for the same subject."""
    kind_obj = kind_get(kind)
    if subject is None or getattr(subject, "_meta", None) is None or subject._meta.label != kind_obj.subject_model:
        raise _error("subject", f"A {kind_obj.label.lower()} is about a {kind_obj.subject_model}.", "wrong_subject")
    _member_require(requester, "The requester is not an active member of this organisation.")
    workflow = workflow_active(kind)
    if workflow is None:
        raise _error("kind", f"No approval workflow is active for {kind_obj.label.lower()}s: an administrator "
                             "defines one under Approvals → Workflows.", "no_workflow")  # fmt: skip
    subject_id = str(subject.pk)
    if ApprovalRequest.objects.filter(kind=kind, subject_model=kind_obj.subject_model, subject_id=subject_id,
                                      status__in=OPEN_REQUEST_STATUSES).exists():  # fmt: skip
        raise _error("subject", "This subject already has an open request of this kind.", "already_open")
    request = ApprovalRequest.objects.create(
        kind=kind, subject_model=kind_obj.subject_model, subject_id=subject_id,
        summary=subject_summary(kind_obj, subject), fields=subject_fields(kind_obj, subject), requester=requester,
        workflow=workflow, steps_snapshot=workflow_steps(workflow),
    )  # fmt: skip
    actor = acting_user or requester
    _event(request, A.SUBMITTED, actor=actor, comment=note, detail={"workflow": workflow.name})
    _audit("submitted", request, actor)
    _publish("approval.submitted", request, actor_id=_actor_id(actor))
    _round_start(request, acting_user=actor)
    return request


def _my_assignment(request: ApprovalRequest, acting_user: Any) -> ApprovalAssignment:
    """The acting person's pending assignment on the request's open step, or a clear refusal."""
    if acting_user is None or getattr(acting_user, "is_service_principal", False) or not acting_user.pk:
        raise PermissionDenied("Only a person can decide a request.")
    if acting_user.pk == request.requester_id:
        raise PermissionDenied("Nobody approves their own request.")
    if not request.is_open or request.status != RequestStatus.PENDING:
        raise ValidationError(f"This request is already {request.get_status_display().lower()}.", code="closed")
    assignment = (
        ApprovalAssignment.objects.select_related("step")
        .filter(request=request, approver_id=acting_user.pk, status=AssignmentStatus.PENDING,
                step__status=StepStatus.OPEN)
        .first()
    )  # fmt: skip
    if assignment is None:
        raise PermissionDenied("You are not asked to decide this request now (or you already did).")
    return assignment


def _act(assignment: ApprovalAssignment, status: str, now: datetime.datetime) -> None:
    assignment.status, assignment.acted_at = status, now
    assignment.save(update_fields=["status", "acted_at"])


@transaction.atomic
def request_approve(*, request: ApprovalRequest, acting_user: Any, comment: str = "") -> ApprovalRequest:
    request = _lock(request)
    assignment, now = _my_assignment(request, acting_user), _now()
    step = assignment.step
    _act(assignment, AssignmentStatus.APPROVED, now)
    _event(request, A.APPROVED, actor=acting_user, step=step, comment=comment,
           detail={"on_behalf_of_id": assignment.on_behalf_of_id})  # fmt: skip
    if _step_complete(step):
        _step_close(step, StepStatus.APPROVED, now)
        _advance(request, acting_user=acting_user)
    return request


def _reason_require(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise _error("reason", f"Say why you {what}.", "reason_required")
    return reason


@transaction.atomic
def request_reject(*, request: ApprovalRequest, acting_user: Any, reason: str) -> ApprovalRequest:
    """Any approver's rejection rejects the request (whatever the step's rule)."""
    reason = _reason_require(reason, "reject the request")
    request = _lock(request)
    assignment, now = _my_assignment(request, acting_user), _now()
    _act(assignment, AssignmentStatus.REJECTED, now)
    _event(request, A.REJECTED, actor=acting_user, step=assignment.step, comment=reason,
           detail={"on_behalf_of_id": assignment.on_behalf_of_id})  # fmt: skip
    _step_close(assignment.step, StepStatus.REJECTED, now)
    _decide(request, RequestStatus.REJECTED, acting_user=acting_user, comment=reason)
    return request


@transaction.atomic
def request_return(*, request: ApprovalRequest, acting_user: Any, reason: str) -> ApprovalRequest:
    """Send the request back to the requester for changes; resubmitting starts the steps again."""
    reason = _reason_require(reason, "return the request")
    request = _lock(request)
    assignment, now = _my_assignment(request, acting_user), _now()
    _event(request, A.RETURNED, actor=acting_user, step=assignment.step, comment=reason)
    request.status, request.current_position = RequestStatus.RETURNED, None
    _save(request, acting_user, "status", "current_position")
    _close_round(request, now)
    _audit("returned", request, acting_user, reason=reason)
    _publish("approval.returned", request, actor_id=_actor_id(acting_user), comment=reason)
    return request


def _requester_require(request: ApprovalRequest, acting_user: Any, what: str) -> None:
    if getattr(acting_user, "pk", None) != request.requester_id or getattr(acting_user, "is_service_principal", False):
        raise PermissionDenied(f"Only the requester may {what}.")


@transaction.atomic
def request_resubmit(*, request: ApprovalRequest, acting_user: Any, note: str = "") -> ApprovalRequest:
    """The requester sends a returned request again: its fields are read again from the subject, and a
    new round starts from the first step (the workflow snapshot stays the one it was submitted with)."""
    request = _lock(request)
    _requester_require(request, acting_user, "resubmit the request")
    if request.status != RequestStatus.RETURNED:
        raise ValidationError("Only a request returned for changes can be resubmitted.", code="not_returned")
    kind, subject = kind_find(request.kind), request_subject(request)
    if kind is not None and subject is not None:
        request.fields, request.summary = subject_fields(kind, subject), subject_summary(kind, subject)
    request.status, request.round, request.current_position = RequestStatus.PENDING, request.round + 1, None
    _save(request, acting_user, "status", "round", "current_position", "fields", "summary")
    _event(request, A.RESUBMITTED, actor=acting_user, comment=note)
    _audit("resubmitted", request, acting_user)
    _publish("approval.submitted", request, actor_id=_actor_id(acting_user))
    _round_start(request, acting_user=acting_user)
    return request


@transaction.atomic
def request_cancel(*, request: ApprovalRequest, acting_user: Any, reason: str = "") -> ApprovalRequest:
    request = _lock(request)
    _requester_require(request, acting_user, "cancel the request")
    if not request.is_open:
        raise ValidationError(f"This request is already {request.get_status_display().lower()}.", code="closed")
    _event(request, A.CANCELLED, actor=acting_user, comment=reason)
    asked = list(request.assignments.filter(status=AssignmentStatus.PENDING).values_list("approver_id", flat=True))
    _decide(request, RequestStatus.CANCELLED, acting_user=acting_user, comment=reason, approver_ids=_ids(asked))
    return request


@transaction.atomic
def request_comment(*, request: ApprovalRequest, acting_user: Any, body: str) -> ApprovalEvent:
    """A comment on the trail, by anyone who may see the request."""
    body = (body or "").strip()
    if not body:
        raise _error("body", "Write a comment.", "comment_required")
    if getattr(acting_user, "is_service_principal", False) or not request_visible_to(acting_user, request):
        raise PermissionDenied("You cannot comment on this request.")
    event = ApprovalEvent.objects.create(request=request, action=A.COMMENTED, actor_id=acting_user.pk, comment=body)
    participants = set(
        request.assignments.filter(status=AssignmentStatus.PENDING).values_list("approver_id", flat=True)
    )
    participants = (participants | {request.requester_id}) - {acting_user.pk}
    _publish("approval.commented", request, actor_id=acting_user.pk, comment=body,
             participant_ids=sorted(_ids(participants)))  # fmt: skip
    return event


def requests_bulk_approve(
    *, request_ids: Iterable[int], acting_user: Any, comment: str = ""
) -> tuple[list[ApprovalRequest], dict[int, str]]:
    """Approve each request on its own (one failing does not stop the others): the approved ones, and
    for each other id why not."""
    ids = list(dict.fromkeys(int(pk) for pk in request_ids))
    found = ApprovalRequest.objects.in_bulk(ids)
    approved: list[ApprovalRequest] = []
    errors: dict[int, str] = {}
    for pk in ids:
        if pk not in found:
            errors[pk] = "No such request."
            continue
        try:
            approved.append(request_approve(request=found[pk], acting_user=acting_user, comment=comment))
        except (ValidationError, PermissionDenied) as error:
            errors[pk] = " ".join(getattr(error, "messages", None) or [str(error)])
    return approved, errors


# --- Time limits (called by the sweep, in the tenant's schema) --------------------------------------


@transaction.atomic
def step_remind(*, step: ApprovalStep) -> bool:
    """Remind the step's pending approvers once; False when there is nothing to do any more."""
    step = ApprovalStep.objects.select_for_update().select_related("request").get(pk=step.pk)
    if step.status != StepStatus.OPEN or step.reminded_at is not None:
        return False
    step.reminded_at = _now()
    step.save(update_fields=["reminded_at"])
    approvers = list(step.assignments.filter(status=AssignmentStatus.PENDING).values_list("approver_id", flat=True))
    _event(step.request, A.REMINDED, step=step, detail={"approver_ids": approvers})
    _publish("approval.reminder", step.request, step=step_payload(step), approver_ids=_ids(approvers))
    return True


@transaction.atomic
def step_time_out(*, step: ApprovalStep) -> str:
    """The step's time ran out: escalate, approve or reject as its definition says. Returns what happened
    ("" when the step was already closed: the sweep is idempotent)."""
    request = _lock(step.request)
    step = ApprovalStep.objects.get(pk=step.pk)
    if step.status != StepStatus.OPEN or step.due_at is None or step.due_at > _now() or not request.is_open:
        return ""
    spec = _spec(request, step.position)
    if spec["on_timeout"] == TimeoutAction.APPROVE:
        _event(request, A.AUTO_APPROVED, step=step, comment=f"“{step.name}” was not decided in time.")
        _step_close(step, StepStatus.APPROVED, _now())
        _advance(request, acting_user=None)
        return "approved"
    if spec["on_timeout"] == TimeoutAction.REJECT:
        _event(request, A.AUTO_REJECTED, step=step, comment=f"“{step.name}” was not decided in time.")
        _step_close(step, StepStatus.REJECTED, _now())
        _decide(request, RequestStatus.REJECTED, acting_user=None, comment="Not decided in time.")
        return "rejected"
    return _step_escalate(request, step, spec)


def _step_escalate(request: ApprovalRequest, step: ApprovalStep, spec: dict[str, Any]) -> str:
    """Hand the overdue approvers' part to the fallback approver or their managers (they stay asked
    too? no: their assignments end, so an "all" step is not blocked by someone who never acts)."""
    now, names = _now(), Names()
    pending = list(step.assignments.filter(status=AssignmentStatus.PENDING).values_list("approver_id", flat=True))
    asked = set(step.assignments.values_list("approver_id", flat=True))
    targets, who = escalation_targets(spec, requester_id=request.requester_id, exclude=asked, names=names,
                                      after=pending)  # fmt: skip
    step.escalations += 1
    step.due_at = now + timedelta(hours=spec["time_limit_hours"]) if targets else None
    step.save(update_fields=["escalations", "due_at"])
    if not targets:
        _event(request, A.ESCALATED, step=step, comment=f"“{step.name}” is overdue and there is nobody further "
                                                        "to escalate to; it stays with its approvers.")  # fmt: skip
        return "stuck"
    step.assignments.filter(status=AssignmentStatus.PENDING).update(status=AssignmentStatus.SUPERSEDED, acted_at=now)
    text = f"“{step.name}” was not decided in time: escalated to {who}."
    _assign(
        request,
        step,
        targets,
        [
            {
                "action": A.ESCALATED,
                "step": step,
                "comment": text,
                "detail": {"from": pending, "to": [t.approver_id for t in targets]},
            }
        ],
    )
    due_lower(connection_tenant(), step.due_at)
    ids = [target.approver_id for target in targets]
    _publish("approval.escalated", request, step=step_payload(step), escalated_to_ids=_ids(ids),
             previous_ids=_ids(pending))  # fmt: skip
    _publish("approval.step_opened", request, step=step_payload(step), approver_ids=_ids(ids))
    return "escalated"


# --- Delegations -----------------------------------------------------------------------------------


def _admin_or_self(acting_user: Any, user_id: Any, what: str) -> None:
    if getattr(acting_user, "pk", None) == user_id and not getattr(acting_user, "is_service_principal", False):
        return
    if not is_admin(acting_user):
        raise PermissionDenied(f"Only the person themselves or an administrator may {what}.")


def _overlap(a: tuple[datetime.date, datetime.date], b: tuple[datetime.date, datetime.date]) -> Any:
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return (start, end) if start <= end else None


def _kinds_overlap(a: frozenset[str] | None, b: frozenset[str] | None) -> Any:
    """None = every kind. Returns the common kinds (None for all), or False when they share none."""
    if a is None:
        return b
    if b is None:
        return a
    common = a & b
    return common if common else False


def _delegation_cycle(delegator_id: Any, delegate_id: Any, span: Any, kinds: frozenset[str] | None) -> list[Any]:
    """A chain delegate → … → delegator of delegations overlapping the new one in time and kinds (empty: none)."""
    edges: dict[Any, list[tuple[Any, Any, Any]]] = {}
    for src, dst, starts, ends, row_kinds in Delegation.objects.filter(
        revoked_at__isnull=True, ends_on__gte=span[0], starts_on__lte=span[1]
    ).values_list("delegator_id", "delegate_id", "starts_on", "ends_on", "kinds"):
        edges.setdefault(src, []).append((dst, (starts, ends), frozenset(row_kinds) or None))
    stack: list[tuple[Any, Any, Any, list[Any]]] = [(delegate_id, span, kinds, [delegate_id])]
    while stack:
        node, node_span, node_kinds, path = stack.pop()
        if node == delegator_id:
            return path
        if len(path) > MAX_DELEGATION_CHAIN:
            continue
        for dst, edge_span, edge_kinds in edges.get(node, []):
            common_span, common_kinds = _overlap(node_span, edge_span), _kinds_overlap(node_kinds, edge_kinds)
            if common_span and common_kinds is not False and dst not in path[1:]:
                stack.append((dst, common_span, common_kinds, [*path, dst]))
    return []


@transaction.atomic
def delegation_create(
    *,
    delegator: Any,
    delegate: Any,
    starts_on: datetime.date,
    ends_on: datetime.date,
    kinds: Iterable[str] = (),
    reason: str = "",
    acting_user: Any,
) -> Delegation:
    """`delegator`'s approvals (of `kinds`, all when empty) go to `delegate` from `starts_on` to
    `ends_on` inclusive. Refused: delegating to oneself, to someone who is not an active member, an
    unknown kind, a range ending before it starts or already over, a second delegation of the same
    person overlapping in time and kinds, and a cycle (A→B while B→A, or longer) at a common time."""
    _admin_or_self(acting_user, delegator.pk, "delegate these approvals")
    kinds = sorted(set(kinds))
    if delegator.pk == delegate.pk:
        raise _error("delegate", "Nobody delegates to themselves.", "self")
    if len(active_member_ids([delegator.pk, delegate.pk])) != 2:
        raise _error("delegate", "Both people must be active members of the organisation.", "not_member")
    unknown = [kind for kind in kinds if kind_find(kind) is None]
    if unknown:
        raise _error("kinds", f"Unknown kinds of request: {', '.join(unknown)}.", "unknown_kind")
    if ends_on < starts_on:
        raise _error("ends_on", "A delegation cannot end before it starts.", "ends_before_start")
    if ends_on < timezone.localdate():
        raise _error("ends_on", "This range is already over.", "already_over")
    with connection.cursor() as cursor:  # one delegation write at a time per schema: no cycle slips between two
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.approvals.delegation'))")
    span, kind_set = (starts_on, ends_on), frozenset(kinds) or None
    overlapping = Delegation.objects.filter(delegator=delegator, revoked_at__isnull=True, ends_on__gte=starts_on,
                                            starts_on__lte=ends_on)  # fmt: skip
    for other in overlapping:
        if _kinds_overlap(kind_set, frozenset(other.kinds) or None) is not False:
            raise _error("starts_on", f"{delegator} already delegates to {other.delegate} from {other.starts_on} "
                                      f"to {other.ends_on}: revoke it first.", "overlapping")  # fmt: skip
    cycle = _delegation_cycle(delegator.pk, delegate.pk, span, kind_set)
    if cycle:
        names = Names()
        chain = " → ".join(names[pk] for pk in [delegator.pk, *cycle])
        raise _error("delegate", f"This would make a cycle of delegations on overlapping dates: {chain}.", "cycle")
    delegation = writes.save(
        Delegation(delegator=delegator, delegate=delegate, kinds=kinds, starts_on=starts_on, ends_on=ends_on,
                   reason=reason, created_by=writes.history_user(acting_user)),
        acting_user=acting_user,
    )  # fmt: skip
    audit_record(action="approval_delegation.created", acting_user=acting_user, tenant=connection_tenant(),
                 target=delegation, after={"delegator": delegator.pk, "delegate": delegate.pk, "kinds": kinds,
                                           "starts_on": starts_on, "ends_on": ends_on})  # fmt: skip
    return delegation


@transaction.atomic
def delegation_revoke(*, delegation: Delegation, acting_user: Any) -> Delegation:
    """End a delegation now (steps already routed to the delegate stay with them)."""
    _admin_or_self(acting_user, delegation.delegator_id, "revoke this delegation")
    delegation = writes.locked(delegation)
    if delegation.revoked_at is not None:
        raise ValidationError("This delegation is already revoked.", code="already_revoked")
    return writes.update(delegation, changes={"revoked_at": _now()}, action="approval_delegation.revoked",
                         acting_user=acting_user, tenant=connection_tenant())  # fmt: skip
