"""Event payloads of forms (published with apps.core.events; webhooks send them as-is, notices render them).
A submission's answers are the organisation's data (shelf share, prices seen); the person is named by id only."""

from typing import Any


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def template_payload(template: Any, **extra: Any) -> dict[str, Any]:
    return {"template_id": template.pk, "name": template.name, "status": template.status, **extra}


def submission_payload(submission: Any, **extra: Any) -> dict[str, Any]:
    workplace = submission.workplace if submission.workplace_id else None
    return {
        "id": submission.pk,
        "template_id": submission.template_id,
        "template": submission.template.name,
        "version": submission.version.number,
        "status": submission.status,
        "person": str(submission.person_id),
        "workplace": {"code": workplace.code, "name": workplace.name} if workplace else None,
        "task_id": submission.task_id,
        "client_id": str(submission.client_id),
        "answers": submission.answers,
        "submitted_at": _iso(submission.submitted_at),
        "reviewed_at": _iso(submission.reviewed_at),
        **extra,
    }


def template_sample() -> dict[str, Any]:
    return {"template_id": 7, "name": "Store visit", "status": "published", "version": 3}


def submission_sample() -> dict[str, Any]:
    """A test delivery of the webhooks catalogue."""
    return {
        "id": 42, "template_id": 7, "template": "Store visit", "version": 3, "status": "submitted",
        "person": "0b7f6c1e-3d2a-4c55-9e0f-6a1b2c3d4e5f", "workplace": {"code": "SYD-CBD", "name": "Sydney CBD Store"},
        "task_id": None, "client_id": "5d0f1d8e-2a55-4c3b-9b51-0c2f8a8e1f10",
        "answers": {"shelf_share": 34.5, "facings": 12, "display_compliant": "yes", "rating": 4},
        "submitted_at": "2026-12-04T09:40:00+00:00", "reviewed_at": None,
    }  # fmt: skip
