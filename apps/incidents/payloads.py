"""Event payloads of incidents (published with apps.core.events; webhooks send them as-is, notices render
them). No personal details beyond the reporter's id: a webhook endpoint is not a safety officer."""

from typing import Any


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def incident_payload(incident: Any, **extra: Any) -> dict[str, Any]:
    workplace = incident.workplace
    return {
        "id": incident.pk,
        "reference": incident.reference,
        "title": incident.title,
        "type": incident.type,
        "severity": incident.severity,
        "injury": incident.injury,
        "near_miss": incident.near_miss,
        "status": incident.status,
        "workplace": {"code": workplace.code, "name": workplace.name},
        "occurred_at": _iso(incident.occurred_at),
        "reported_at": _iso(incident.reported_at),
        "reported_by": str(incident.reported_by_id) if incident.reported_by_id else None,
        "notifiable": incident.notifiable,
        "regulator_deadline": _iso(incident.regulator_deadline),
        "regulator_notified_at": _iso(incident.regulator_notified_at),
        "closed_at": _iso(incident.closed_at),
        **extra,
    }


def sample_payload() -> dict[str, Any]:
    """A test delivery of the webhooks catalogue."""
    return {
        "id": 42,
        "reference": "INC-000042",
        "title": "Customer slipped near the entrance",
        "type": "injury",
        "severity": "high",
        "injury": True,
        "near_miss": False,
        "status": "reported",
        "workplace": {"code": "SYD-CBD", "name": "Sydney CBD Store"},
        "occurred_at": "2026-03-02T09:15:00+00:00",
        "reported_at": "2026-03-02T09:40:00+00:00",
        "reported_by": "0b7f6c1e-3d2a-4c55-9e0f-6a1b2c3d4e5f",
        "notifiable": True,
        "regulator_deadline": "2026-03-04T09:15:00+00:00",
        "regulator_notified_at": None,
        "closed_at": None,
    }
