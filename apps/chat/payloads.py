"""Event payloads of chat (apps.core.events: webhooks send them as-is, notices render them). A webhook gets
the channel's id and name, never a direct conversation's messages (direct conversations publish nothing)."""

from typing import Any

EXCERPT = 140


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def person_name(user: Any) -> str:
    if user is None:
        return "An integration"
    return user.full_name or user.email


def excerpt(body: str) -> str:
    body = " ".join(body.split())
    return body if len(body) <= EXCERPT else body[: EXCERPT - 1] + "…"


def channel_payload(channel: Any, **extra: Any) -> dict[str, Any]:
    return {
        "id": channel.pk,
        "kind": channel.kind,
        "name": channel.name,
        "topic": channel.topic,
        "team": channel.team_id,
        "workplace": channel.workplace_id,
        "archived_at": _iso(channel.archived_at),
        **extra,
    }


def member_payload(channel: Any, user_id: Any, **extra: Any) -> dict[str, Any]:
    return {"channel": {"id": channel.pk, "name": channel.name}, "user": str(user_id), **extra}


def message_event_payload(message: Any, **extra: Any) -> dict[str, Any]:
    """A posted message: what a webhook or a notification needs (the excerpt, not the whole body)."""
    channel = message.channel
    return {
        "event_id": f"chat-message-{message.pk}",
        "id": message.pk,
        "channel": {"id": channel.pk, "kind": channel.kind, "name": channel.name},
        "author": str(message.author_id) if message.author_id else None,
        "author_name": person_name(message.author),
        "parent": message.parent_id,
        "excerpt": excerpt(message.body),
        "created_at": _iso(message.created_at),
        **extra,
    }


def sample_channel() -> dict[str, Any]:
    return {"id": 7, "kind": "public", "name": "sydney-stores", "topic": "Sydney store visits", "team": None,
            "workplace": None, "archived_at": None}  # fmt: skip


def sample_member() -> dict[str, Any]:
    return {"channel": {"id": 7, "name": "sydney-stores"}, "user": "0b7f6c1e-3d2a-4c55-9e0f-6a1b2c3d4e5f"}


def sample_message() -> dict[str, Any]:
    return {
        "event_id": "chat-message-42", "id": 42, "channel": {"id": 7, "kind": "public", "name": "sydney-stores"},
        "author": "0b7f6c1e-3d2a-4c55-9e0f-6a1b2c3d4e5f", "author_name": "Sam Seller", "parent": None,
        "excerpt": "Shelf 4 restocked, photos attached.", "created_at": "2026-03-02T09:15:00+00:00",
    }  # fmt: skip
