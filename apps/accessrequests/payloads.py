"""Event payloads of access requests (published with apps.core.events; webhooks send them as-is,
notices render them)."""

from typing import Any


def access_request_payload(access_request: Any) -> dict[str, Any]:
    role, entity = access_request.role, access_request.entity
    return {
        "id": str(access_request.pk),
        "kind": access_request.kind,
        "status": access_request.status,
        "what": access_request.target_label,
        "role": {"code": role.code, "name": role.name} if role is not None else None,
        "entity": {"code": entity.code, "name": entity.name} if entity is not None else None,
        "solution": access_request.solution_code or None,
        "reason": access_request.reason,
        "decision_reason": access_request.decision_reason,
        "requester": {"id": str(access_request.requester_id), "code": access_request.requester.code},
        "role_assignment_id": access_request.role_assignment_id,
        "solution_access_id": access_request.solution_access_id,
        "created_at": access_request.created_at.isoformat() if access_request.created_at else None,
        "decided_at": access_request.decided_at.isoformat() if access_request.decided_at else None,
    }


def sample_payload() -> dict[str, Any]:
    """A test delivery of the webhooks catalogue."""
    return {
        "id": "7d1e2a40-5b8e-4a57-9a43-0d0f7a4f1c11", "kind": "role", "status": "approved",
        "what": "Manager at Sales", "role": {"code": "manager", "name": "Manager"},
        "entity": {"code": "ENT-SALES", "name": "Sales"}, "solution": None,
        "reason": "I run the Sales team while Ann is on leave.", "decision_reason": "",
        "requester": {"id": "0b7f6c1e-3d2a-4c55-9e0f-6a1b2c3d4e5f", "code": "USR-0000000042"},
        "role_assignment_id": 314, "solution_access_id": None,
        "created_at": "2025-01-06T09:00:00+00:00", "decided_at": "2025-01-06T11:30:00+00:00",
    }  # fmt: skip
