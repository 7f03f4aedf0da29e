"""Event payloads of approval requests (published with apps.core.events; notices and webhooks read them)."""

from typing import Any

from .kinds import kind_label


def request_payload(request: Any, **extra: Any) -> dict[str, Any]:
    """The request as committed, plus what the transition adds (step, approver ids, actor, comment …)."""
    return {
        "uuid": str(request.uuid),
        "kind": request.kind,
        "kind_label": kind_label(request.kind),
        "summary": request.summary,
        "status": request.status,
        "subject_model": request.subject_model,
        "subject_id": request.subject_id,
        "requester_id": str(request.requester_id),
        "round": request.round,
        "current_position": request.current_position,
        "created_at": request.created_at.isoformat() if request.created_at else None,
        "decided_at": request.decided_at.isoformat() if request.decided_at else None,
    } | extra


def step_payload(step: Any) -> dict[str, Any]:
    return {"position": step.position, "name": step.name, "due_at": step.due_at.isoformat() if step.due_at else None}


def sample_request_payload() -> dict[str, Any]:
    """A webhook test delivery's payload."""
    return {
        "uuid": "00000000-0000-0000-0000-000000000000", "kind": "access_request", "kind_label": "Access request",
        "summary": "Ann asks for the role Manager at Sales", "status": "approved", "subject_model": "app.Model",
        "subject_id": "1", "requester_id": "00000000-0000-0000-0000-000000000001", "round": 1,
        "current_position": None, "created_at": "2025-01-01T09:00:00+00:00",
        "decided_at": "2025-01-01T10:00:00+00:00", "actor_id": "00000000-0000-0000-0000-000000000002",
        "comment": "",
    }  # fmt: skip
