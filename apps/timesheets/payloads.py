"""Event payloads of time entries (published with apps.core.events; webhooks send them as-is)."""

from typing import Any

from .models import TimeEntry


def entry_payload(entry: TimeEntry, *, deleted: bool = False) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "task": entry.task_id,
        "user": str(entry.user_id),
        "started_at": entry.started_at.isoformat(),
        "ended_at": entry.ended_at.isoformat() if entry.ended_at else None,
        "minutes": entry.minutes if entry.ended_at else None,
        "running": entry.ended_at is None,
        "source": entry.source,
        "note": entry.note,
        "deleted": deleted,
    }


def sample_payload() -> dict[str, Any]:
    return {
        "id": 311, "task": 1207, "user": "6b1f4f5e-2c57-4f0a-9a53-0d8f1c7e9a11",
        "started_at": "2026-12-07T09:02:00+11:00", "ended_at": "2026-12-07T09:47:00+11:00", "minutes": 45,
        "running": False, "source": "timer", "note": "Store visit", "deleted": False,
    }  # fmt: skip
