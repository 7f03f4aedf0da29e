"""What the chat app sends to open sockets (apps.realtime, docs/realtime.md): every change of a channel goes
to its topic `chat.channel.<id>` after the writing transaction commits, and a person who joins or leaves a
channel has their open sockets join or leave its topic.

Frames go through `apps.realtime.publish` (a lower layer); tests replace `sink` with a fake. Sending happens
after commit and never fails the write (a channel-layer hiccup is logged; the portal's polling catches up).
"""

import logging
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

from apps.realtime import publish as realtime

logger = logging.getLogger(__name__)


def _schema() -> str:
    return str(getattr(connection, "schema_name", "public"))


def topic(channel_id: int) -> str:
    return f"chat.channel.{channel_id}"


class Sink:
    """Where frames go: the realtime app's publish functions (overridden in tests)."""

    def publish(self, topic: str, data: dict[str, Any], schema_name: str) -> None:
        realtime.publish(topic, data, schema_name=schema_name)

    def subscribe(self, user_id: Any, topic: str, schema_name: str, *, leave: bool = False) -> None:
        (realtime.unsubscribe if leave else realtime.subscribe)(user_id, topic, schema_name=schema_name)


sink = Sink()


def _after_commit(fn: Callable[[], None]) -> None:
    def safely() -> None:
        try:
            fn()
        except Exception:  # the write is committed: a channel-layer hiccup must not turn it into an error
            logger.exception("chat: a live frame was not sent")

    transaction.on_commit(safely)


def emit(channel_id: int, event: str, **data: Any) -> None:
    """`{"event": event, **data}` to the channel's sockets, after commit (nothing on a rollback)."""
    schema = _schema()
    frame = {"event": event, "channel": channel_id, **data}
    _after_commit(lambda: sink.publish(topic(channel_id), frame, schema))


def emit_now(channel_id: int, event: str, **data: Any) -> None:
    """The same at once, for what is never written (someone typing)."""
    try:
        sink.publish(topic(channel_id), {"event": event, "channel": channel_id, **data}, _schema())
    except Exception:
        logger.exception("chat: a live frame was not sent")


def join(user_ids: Any, channel_id: int, *, leave: bool = False) -> None:
    schema = _schema()
    ids = [str(pk) for pk in user_ids]

    def send() -> None:
        for pk in ids:
            sink.subscribe(pk, topic(channel_id), schema, leave=leave)

    if ids:
        _after_commit(send)
