"""Event payloads of attendance (published with apps.core.events; webhooks send them as-is)."""

from typing import Any

from .models import AttendanceCorrection, OvertimeRecord


def late_payload(*, shift: Any, now: Any) -> dict[str, Any]:
    workplace = shift.workplace
    return {
        "shift_id": shift.id, "user_id": str(shift.user_id), "date": shift.local_date.isoformat(),
        "workplace": workplace.code if workplace else None, "workplace_name": workplace.name if workplace else "",
        "starts_at": shift.starts_at.isoformat(), "late_grace_minutes": shift.late_grace_minutes,
        "minutes_late": int((now - shift.starts_at).total_seconds() // 60),
    }  # fmt: skip


def correction_payload(correction: AttendanceCorrection) -> dict[str, Any]:
    return {
        "id": str(correction.pk), "user_id": str(correction.user_id), "date": correction.date.isoformat(),
        "status": correction.status, "punches": correction.punches, "reason": correction.reason,
        "decision_reason": correction.decision_reason,
        "decided_at": correction.decided_at.isoformat() if correction.decided_at else None,
    }  # fmt: skip


def overtime_payload(record: OvertimeRecord) -> dict[str, Any]:
    return {
        "id": record.pk, "user_id": str(record.user_id), "date": record.date.isoformat(), "reason": record.reason,
        "minutes": record.minutes, "multiplier": str(record.multiplier),
        "weighted_minutes": str(record.weighted_minutes), "status": record.status,
        "workplace": record.workplace.code if record.workplace_id and record.workplace else None,
    }  # fmt: skip


def late_sample() -> dict[str, Any]:
    return {"shift_id": 812, "user_id": "5b0c9a4e-1f7d-4a8e-9a51-3f3c2d1e0b77", "date": "2026-12-07",
            "workplace": "SYD-CBD", "workplace_name": "Sydney CBD Store", "starts_at": "2026-12-07T09:00:00+11:00",
            "late_grace_minutes": 5, "minutes_late": 12}  # fmt: skip


def correction_sample() -> dict[str, Any]:
    return {"id": "0f8e5a52-3d1c-4f55-a1a7-6a0f8f6c9d11", "user_id": "5b0c9a4e-1f7d-4a8e-9a51-3f3c2d1e0b77",
            "date": "2026-12-04", "status": "approved",
            "punches": [{"kind": "in", "at": "2026-12-04T09:00:00+11:00", "workplace": "SYD-CBD"},
                        {"kind": "out", "at": "2026-12-04T17:30:00+11:00", "workplace": "SYD-CBD"}],
            "reason": "Forgot to clock out.", "decision_reason": "",
            "decided_at": "2026-12-05T08:12:00+00:00"}  # fmt: skip


def overtime_sample() -> dict[str, Any]:
    return {"id": 41, "user_id": "5b0c9a4e-1f7d-4a8e-9a51-3f3c2d1e0b77", "date": "2026-12-05", "reason": "daily",
            "minutes": 90, "multiplier": "1.50", "weighted_minutes": "135.00", "status": "approved",
            "workplace": "SYD-CBD"}  # fmt: skip
