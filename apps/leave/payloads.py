"""Event payloads of leave requests (published with apps.core.events; webhooks send them as-is, notices
render them)."""

from typing import Any


def leave_request_payload(leave_request: Any) -> dict[str, Any]:
    leave_type = leave_request.leave_type
    return {
        "id": leave_request.pk,
        "status": leave_request.status,
        "user_id": str(leave_request.user_id),
        "type": {"code": leave_type.code, "name": leave_type.name, "paid": leave_type.paid},
        "start_date": leave_request.start_date.isoformat(),
        "end_date": leave_request.end_date.isoformat(),
        "effective_end": leave_request.effective_end.isoformat(),
        "start_half": leave_request.start_half,
        "end_half": leave_request.end_half,
        "start_time": leave_request.start_time.isoformat() if leave_request.start_time else None,
        "end_time": leave_request.end_time.isoformat() if leave_request.end_time else None,
        "minutes": leave_request.minutes,
        "days": round(leave_request.minutes / leave_type.minutes_per_day, 2),
        "cancelled_from": leave_request.cancelled_from.isoformat() if leave_request.cancelled_from else None,
        "decision_reason": leave_request.decision_reason,
        "what": f"{leave_type.name}, {leave_request.start_date:%d %b %Y} to {leave_request.end_date:%d %b %Y}",
    }


def sample_payload() -> dict[str, Any]:
    """A test delivery of the webhooks catalogue."""
    return {
        "id": 42,
        "status": "approved",
        "user_id": "0b7f6c1e-3d2a-4c55-9e0f-6a1b2c3d4e5f",
        "type": {"code": "ANNUAL", "name": "Annual leave", "paid": True},
        "start_date": "2026-03-02",
        "end_date": "2026-03-06",
        "effective_end": "2026-03-06",
        "start_half": False,
        "end_half": False,
        "start_time": None,
        "end_time": None,
        "minutes": 2280,
        "days": 5.0,
        "cancelled_from": None,
        "decision_reason": "",
        "what": "Annual leave, 02 Mar 2026 to 06 Mar 2026",
    }
