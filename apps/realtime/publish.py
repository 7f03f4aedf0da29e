"""What apps call to reach sockets (docs/realtime.md).

    publish("chat.channel.42", {"message": {...}})            # every socket on that topic in this tenant
    publish_on_commit("chat.channel.42", {...})               # the same, once the transaction commits
    subscribe(user.pk, "chat.channel.42")                     # that person's open sockets join the topic
    unsubscribe(user.pk, "chat.channel.42")

The tenant is the current connection's schema unless `schema_name` says otherwise. The event frame is
encoded once here, so fanning it out to hundreds of sockets sends the same text without re-encoding.
Publishing is fire-and-forget: a socket that is not connected at that moment does not get it later.
"""

import json
import logging
from typing import Any
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from .groups import person_group, topic_group

log = logging.getLogger(__name__)

EVENT = "rt.event"  # the consumer's handler names (rt_event, rt_subscribe, rt_unsubscribe)
SUBSCRIBE = "rt.subscribe"
UNSUBSCRIBE = "rt.unsubscribe"


def _schema(schema_name: str | None) -> str:
    return schema_name or connection.schema_name  # type: ignore[attr-defined]


def event_text(topic: str, data: dict[str, Any]) -> str:
    return json.dumps({"type": "event", "topic": topic, "data": data}, cls=DjangoJSONEncoder, separators=(",", ":"))


def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:  # no CHANNEL_LAYERS configured: nothing can be listening
        return
    async_to_sync(layer.group_send)(group, message)


def publish(topic: str, data: dict, *, schema_name: str | None = None) -> None:
    """Send `data` to every socket on `topic` in the tenant (the current schema by default)."""
    _send(topic_group(_schema(schema_name), topic), {"type": EVENT, "text": event_text(topic, data)})


def publish_on_commit(topic: str, data: dict) -> None:
    """publish() after the current transaction commits (nothing for a rolled-back write). The schema is
    the one current now, not at commit time."""
    schema_name = connection.schema_name  # type: ignore[attr-defined]
    text = event_text(topic, data)  # encoded now: the data describes the record as written
    group = topic_group(schema_name, topic)

    def send() -> None:
        try:
            _send(group, {"type": EVENT, "text": text})
        except Exception:  # the write is committed; a Redis hiccup must not turn it into an error
            log.exception("realtime: publishing to %s failed", topic)

    transaction.on_commit(send)


def subscribe(user_id: int | str | UUID, topic: str, *, schema_name: str | None = None) -> None:
    """That person's sockets open now in the tenant join `topic` (new sockets ask the realtime.topics hooks)."""
    _send(person_group(_schema(schema_name), user_id), {"type": SUBSCRIBE, "topic": topic})


def unsubscribe(user_id: int | str | UUID, topic: str, *, schema_name: str | None = None) -> None:
    _send(person_group(_schema(schema_name), user_id), {"type": UNSUBSCRIBE, "topic": topic})
