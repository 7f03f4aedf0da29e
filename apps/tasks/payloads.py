"""Event payloads of tasks (published with apps.core.events; webhooks send them as-is, notices render them)."""

from typing import Any


def task_payload(task: Any, **extra: Any) -> dict[str, Any]:
    workplace = task.workplace if task.workplace_id else None
    return {
        "id": task.pk,
        "title": task.title,
        "status": task.status,
        "priority": task.priority,
        "workplace": workplace.code if workplace else None,
        "due_at": task.due_at.isoformat() if task.due_at else None,
        "assignee_kind": task.assignee_kind,
        "assignee_id": str(task.assignee_id) if task.assignee_id else None,
        "team_id": task.team_id,
        "role_id": task.role_id,
        "template": task.template_id,
        "origin_kind": task.origin_kind,
        "origin_id": task.origin_id,
        "completed_by": str(task.completed_by_id) if task.completed_by_id else None,
        **{key: str(value) if key == "assigned_by" and value else value for key, value in extra.items()},
    }


def comment_payload(comment: Any, task: Any, mentioned: list[str]) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "task": {"id": task.pk, "title": task.title},
        "title": task.title,
        "task_id": task.pk,
        "author_id": str(comment.author_id) if comment.author_id else None,
        "body": comment.body[:1000],
        "mentioned_ids": mentioned,
    }


def sample_payload() -> dict[str, Any]:
    """A test delivery of the webhooks catalogue."""
    return {
        "id": 42,
        "title": "Store visit",
        "status": "done",
        "priority": "normal",
        "workplace": "SYD-CBD",
        "due_at": "2026-03-02T05:00:00+00:00",
        "assignee_kind": "person",
        "assignee_id": "0b7f6c1e-3d2a-4c55-9e0f-6a1b2c3d4e5f",
        "team_id": None,
        "role_id": None,
        "template": 3,
        "origin_kind": "",
        "origin_id": "",
        "completed_by": "0b7f6c1e-3d2a-4c55-9e0f-6a1b2c3d4e5f",
    }
