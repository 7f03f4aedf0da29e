"""Event payloads of reporting (published with apps.core.events; webhooks send them as-is, notices render
them). Ids of people only, never their addresses: a webhook endpoint is not a recipient."""

from typing import Any


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def generated_payload(report: Any) -> dict[str, Any]:
    return {
        "id": report.pk,
        "definition": report.definition_id,
        "title": report.title,
        "format": report.format,
        "size": report.size,
        "rows": report.rows,
        "period_start": _iso(report.period_start),
        "period_end": _iso(report.period_end),
        "generated_at": _iso(report.generated_at),
        "generated_by": str(report.generated_by_id) if report.generated_by_id else None,
        "schedule": report.schedule_id,
    }


def run_payload(run: Any, **extra: Any) -> dict[str, Any]:
    return {
        "id": run.pk,
        "event_id": f"report-run-{run.pk}-{run.status}",
        "definition": run.definition_id,
        "title": run.definition.name,
        "schedule": run.schedule_id,
        "occurrence": run.occurrence_key,
        "scheduled_for": _iso(run.scheduled_for),
        "status": run.status,
        "format": run.format,
        "report": run.report_id,
        "attempts": run.attempts,
        "error": run.error,
        **extra,
    }


def sample_payload() -> dict[str, Any]:
    """A test delivery of the webhooks catalogue."""
    return {
        "id": 42,
        "event_id": "report-run-42-sent",
        "definition": 7,
        "title": "Weekly attendance",
        "schedule": 3,
        "occurrence": "2026-03-02T08:00",
        "scheduled_for": "2026-03-01T21:00:00+00:00",
        "status": "sent",
        "format": "pdf",
        "report": 99,
        "attempts": 1,
        "error": "",
        "members": ["0b7f6c1e-3d2a-4c55-9e0f-6a1b2c3d4e5f"],
        "external": 1,
    }
