"""What the chat app sends to open sockets (apps.realtime, docs/realtime.md): every change of a channel goes
to its topic `chat.channel.<id>` after the writing transaction commits, and a person who joins or leaves a
channel has their open sockets join or leave its topic.

`apps.realtime.publish` is built beside this app (issue 17's realtime part); until it is installed these
calls are no-ops, so the chat works through the API and the portal's polling alone. Tests replace `sink`.
"""

import importlib
import logging
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

logger = logging.getLogger(__name__)


def _schema() -> str:
    return str(getattr(connection, "schema_name", "public"))


def topic(channel_id: int) -> str:
    return f"chat.channel.{channel_id}"


def _realtime() -> Any:
    try:
        return importlib.import_module("apps.realtime.publish")
    except ImportError:  # the realtime app is not there (yet): the portal polls instead
        return None


class Sink:
    """Where frames go: the realtime app's publish functions (overridden in tests)."""

    def publish(self, topic: str, data: dict[str, Any], schema_name: str) -> None:
        module = _realtime()
        if module is not None:
            module.publish(topic, data, schema_name=schema_name)

    def subscribe(self, user_id: Any, topic: str, schema_name: str, *, leave: bool = False) -> None:
        module = _realtime()
        if module is not None:
            (module.unsubscribe if leave else module.subscribe)(user_id, topic, schema_name=schema_name)


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
    sink.publish(topic(channel_id), {"event": event, "channel": channel_id, **data}, _schema())


def join(user_ids: Any, channel_id: int, *, leave: bool = False) -> None:
    schema = _schema()
    ids = [str(pk) for pk in user_ids]

    def send() -> None:
        for pk in ids:
            sink.subscribe(pk, topic(channel_id), schema, leave=leave)

    if ids:
        _after_commit(send)
