"""Event payloads of routines (published with apps.core.events; webhooks send them as-is)."""

from typing import Any

from .models import Routine


def routine_payload(routine: Routine) -> dict[str, Any]:
    return {
        "id": routine.pk,
        "name": routine.name,
        "workplace": routine.workplace.code,
        "rrule": routine.rrule,
        "start_date": routine.start_date.isoformat(),
        "start_time": routine.start_time.strftime("%H:%M"),
        "time_zone": routine.workplace.time_zone,
        "horizon_days": routine.horizon_days,
        "status": routine.status,
        "split_from": routine.split_from_id,
    }


def sample_payload() -> dict[str, Any]:
    return {
        "id": 12, "name": "Weekly store visit", "workplace": "SYD-CBD", "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=52",
        "start_date": "2026-12-07", "start_time": "09:00", "time_zone": "Australia/Sydney", "horizon_days": 14,
        "status": "active", "split_from": None,
    }  # fmt: skip


def generated_sample_payload() -> dict[str, Any]:
    return {"routine": 12, "occurrences": 2, "tasks": 4}
