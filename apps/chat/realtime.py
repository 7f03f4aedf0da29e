"""Chat on the socket (apps.realtime's hooks, docs/realtime.md).

- `topics_for(user=, tenant=)`: a new socket joins `chat.channel.<id>` for each open channel its person
  belongs to (none without the Chat solution).
- `handle_frame(frame, user=, tenant=)`: the `chat.*` frames, the same services as the API:
  `chat.send` {channel, body, parent?, client_id?} → {"message": …} (a retry with the client id is the
  same message); `chat.read` {channel, message} → {"last_read_id"}; `chat.typing` {channel} → {};
  `chat.react` {message, emoji, on?} → {"changed"}. Refusals are ValidationErrors with a code (the
  consumer answers `{"type": "error", "code", "message"}`); a channel one is not in is `not_found`, exactly
  like a missing one. Other frame types are NotImplemented (another app's).
"""

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404

from apps.core.errors import refused

from . import services
from .access import channel_for, may_chat, message_for
from .live import topic
from .models import ChannelMember
from .serialize import message_data


def topics_for(*, user: Any, tenant: Any) -> Iterable[str]:
    if not may_chat(user, tenant):
        return []
    ids = ChannelMember.objects.filter(user=user, channel__archived_at__isnull=True).values_list(
        "channel_id", flat=True
    )
    return [topic(pk) for pk in ids]


def _client_id(value: Any) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise refused("client_id is a UUID.", code="invalid_client_id", field="client_id") from exc


def _send(frame: dict[str, Any], user: Any) -> dict[str, Any]:
    channel = channel_for(user, frame.get("channel"))
    message, created = services.message_send(
        channel=channel,
        author=user,
        body=str(frame.get("body") or ""),
        parent=frame.get("parent"),
        client_id=_client_id(frame.get("client_id")),
    )
    return {"message": message_data(message), "created": created}


def _read(frame: dict[str, Any], user: Any) -> dict[str, Any]:
    channel = channel_for(user, frame.get("channel"))
    try:
        message_id = int(frame.get("message") or 0)
    except (TypeError, ValueError) as exc:
        raise refused("message is a message id.", code="invalid_message", field="message") from exc
    return {
        "channel": channel.pk,
        "last_read_id": services.read_move(channel=channel, user=user, message_id=message_id),
    }


def _typing(frame: dict[str, Any], user: Any) -> dict[str, Any]:
    services.typing(channel=channel_for(user, frame.get("channel")), user=user)
    return {}


def _react(frame: dict[str, Any], user: Any) -> dict[str, Any]:
    message = message_for(user, frame.get("message"))
    on = frame.get("on", True) is not False
    return {"changed": services.reaction_set(message=message, user=user, emoji=str(frame.get("emoji") or ""), on=on)}


HANDLERS: dict[str, Callable[[dict[str, Any], Any], dict[str, Any]]] = {
    "chat.send": _send,
    "chat.read": _read,
    "chat.typing": _typing,
    "chat.react": _react,
}


def handle_frame(frame: dict[str, Any], *, user: Any, tenant: Any) -> Any:
    handler = HANDLERS.get(str(frame.get("type") or ""))
    if handler is None:
        return NotImplemented
    if not may_chat(user, tenant):
        raise refused("You may not use chat in this organisation.", code="solution_access_required")
    try:
        return handler(frame, user)
    except Http404 as exc:
        raise ValidationError(str(exc) or "Not found.", code="not_found") from exc
