"""Who hears about tasks (Notice recipients and links, contributions.py)."""

import uuid
from typing import Any

from apps.accounts.selectors import tenant_url


def assignee(tenant: Any, payload: dict[str, Any]) -> list[uuid.UUID]:
    """The person the task was given to (not when they gave it to themself)."""
    person = payload.get("assignee_id")
    if not person or person == payload.get("assigned_by"):
        return []
    return [uuid.UUID(person)]


def mentioned(tenant: Any, payload: dict[str, Any]) -> list[uuid.UUID]:
    author = payload.get("author_id")
    return [uuid.UUID(pk) for pk in payload.get("mentioned_ids", []) if pk != author]


def watchers(tenant: Any, payload: dict[str, Any]) -> list[uuid.UUID]:
    """The people watching a completed task, except whoever completed it."""
    done_by = payload.get("completed_by")
    return [uuid.UUID(pk) for pk in payload.get("watcher_ids", []) if pk != done_by]


def task_url(tenant: Any, payload: dict[str, Any]) -> str:
    return tenant_url(tenant, "tasks:task", payload.get("task_id") or payload["id"])
