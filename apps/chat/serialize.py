"""One shape of a message for everyone: the API's answers, the socket's events and the portal's script
read the same dict. A deleted message keeps its place in the history with its body hidden."""

from collections import defaultdict
from typing import Any

from django.urls import NoReverseMatch, reverse

from .payloads import person_name


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _attachment_url(pk: int) -> str:
    try:
        return reverse("tenant-api:chat-attachment", args=[pk])
    except NoReverseMatch:  # outside the tenant urlconf (a task, a socket before routing)
        return f"/api/v1/chat/attachments/{pk}/"


def reactions_data(rows: Any) -> list[dict[str, Any]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        grouped[row.emoji].append(str(row.user_id))
    return [{"emoji": emoji, "count": len(users), "users": users} for emoji, users in grouped.items()]


def message_data(message: Any) -> dict[str, Any]:
    deleted = message.deleted_at is not None
    return {
        "id": message.pk,
        "channel": message.channel_id,
        "author": str(message.author_id) if message.author_id else None,
        "author_name": person_name(message.author) if message.author_id else "An integration",
        "body": "" if deleted else message.body,
        "parent": message.parent_id,
        "reply_count": message.reply_count,
        "last_reply_at": _iso(message.last_reply_at),
        "client_id": str(message.client_id) if message.client_id else None,
        "mentions": [str(pk) for pk in message.mentions],
        "created_at": _iso(message.created_at),
        "edited_at": _iso(message.edited_at),
        "deleted": deleted,
        "reactions": [] if deleted else reactions_data(message.reactions.all()),
        "attachments": []
        if deleted
        else [
            {"id": a.pk, "name": a.name, "content_type": a.content_type, "size": a.size, "url": _attachment_url(a.pk)}
            for a in message.attachments.all()
        ],
    }
