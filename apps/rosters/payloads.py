"""Event payloads of rosters (published with apps.core.events; webhooks send them as-is)."""

from typing import Any

from .models import Roster, Shift


def roster_payload(roster: Roster, user_ids: list[Any]) -> dict[str, Any]:
    return {
        "id": roster.pk,
        "name": roster.name,
        "workplace": {"id": roster.workplace_id, "code": roster.workplace.code, "name": roster.workplace.name},
        "period": {"start": roster.start_date.isoformat(), "end": roster.end_date.isoformat()},
        "user_ids": sorted(str(user_id) for user_id in user_ids),
        "published_at": roster.published_at.isoformat() if roster.published_at else None,
    }


def shift_payload(shift: Shift, change: str) -> dict[str, Any]:
    return {
        "id": shift.pk,
        "change": change,  # "updated" or "cancelled"
        "roster_id": shift.roster_id,
        "user_id": str(shift.user_id),
        "workplace": {"id": shift.workplace_id, "code": shift.workplace.code, "name": shift.workplace.name},
        "local_date": shift.local_date.isoformat(),
        "starts_at": shift.starts_at.isoformat(),
        "ends_at": shift.ends_at.isoformat(),
        "status": shift.status,
        "shift_type": shift.shift_type.code if shift.shift_type_id and shift.shift_type else None,
    }


def roster_sample_payload() -> dict[str, Any]:
    return {
        "id": 12,
        "name": "Sydney CBD, March",
        "workplace": {"id": 3, "code": "SYD-CBD", "name": "Sydney CBD Store"},
        "period": {"start": "2027-03-01", "end": "2027-03-31"},
        "user_ids": ["0b7c2a4e-6d1f-4f57-9f39-3c0c8f6b8f11"],
        "published_at": "2027-02-20T03:15:00+00:00",
    }


def shift_sample_payload() -> dict[str, Any]:
    return {
        "id": 345,
        "change": "updated",
        "roster_id": 12,
        "user_id": "0b7c2a4e-6d1f-4f57-9f39-3c0c8f6b8f11",
        "workplace": {"id": 3, "code": "SYD-CBD", "name": "Sydney CBD Store"},
        "local_date": "2027-03-05",
        "starts_at": "2027-03-04T22:00:00+00:00",
        "ends_at": "2027-03-05T06:30:00+00:00",
        "status": "published",
        "shift_type": "DAY",
    }
