"""Event payloads of the time clock (published with apps.core.events; webhooks send them as-is)."""

from typing import Any

from .models import Punch


def punch_payload(punch: Punch) -> dict[str, Any]:
    return {
        "id": punch.pk,
        "user": str(punch.user_id),
        "kind": punch.kind,
        "workplace": punch.workplace.code if punch.workplace_id and punch.workplace else None,
        "verdict": punch.verdict,
        "distance_m": punch.distance_m,
        "flags": list(punch.flags),
        "at": punch.at.isoformat(),
        "source": punch.source,
        "needs_review": punch.needs_review,
    }


def sample_payload() -> dict[str, Any]:
    return {
        "id": 1042, "user": "6b1f4f5e-2c57-4f0a-9a53-0d8f1c7e9a11", "kind": "in", "workplace": "SYD-CBD",
        "verdict": "inside", "distance_m": 88.4, "flags": [], "at": "2026-12-07T08:58:12+11:00",
        "source": "mobile", "needs_review": False,
    }  # fmt: skip
