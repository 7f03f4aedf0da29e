"""The WebSocket consumer at /ws/ (docs/realtime.md has the protocol).

Connect: the tenant from the Host header and the person from the session cookie or a bearer token
(apps/realtime/admission.py); without either, the first frame must be {"type": "auth", "token": …}
within REALTIME_AUTH_SECONDS. Admitted, the socket joins its person's group (where subscribe() and
unsubscribe() reach it) and the topics the `realtime.topics` hooks give. Client frames go to the
`realtime.frame` hooks in the tenant's schema; events published to a joined topic go out as they are.
"""

import asyncio
import json
import logging
import time
import weakref
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from .admission import BEARER, SocketRefused, socket_admit, socket_admit_token, still_member
from .frames import FrameRefused, RateLimit, frame_parse, frame_route, topics_for
from .groups import person_group, topic_group

log = logging.getLogger(__name__)


_gates: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]" = weakref.WeakKeyDictionary()


def layer_gate() -> asyncio.Semaphore:
    """The gate of this process's (event loop's) group joins and leaves. They share the channel layer's Redis
    pool, and redis-py's pool raises "Too many connections" when all its connections (100) are busy rather than
    wait: 500 sockets connecting at once failed that way. At most REALTIME_LAYER_CONCURRENCY go at once; the
    others wait their turn, leaving the rest of the pool to the layer's receive loop and to publishing."""
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(settings.REALTIME_LAYER_CONCURRENCY)
    return gate


def _text(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), default=str)


class RealtimeConsumer(AsyncWebsocketConsumer):
    tenant: Any = None
    user: Any = None
    groups_joined: set[str]

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels (4.2+) hops to the database thread before EVERY message to close stale connections. Events
        fanned out to 500 sockets queued 500 hops on that one thread: p95 275 ms (bench/chat_fanout.py). This
        consumer touches the database only through `database_sync_to_async`, which closes stale connections
        itself, around the call; so messages go straight to their handler."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.groups_joined = set()
        self.rate = RateLimit(burst=settings.REALTIME_RATE_FRAMES, seconds=settings.REALTIME_RATE_SECONDS)
        self.checked_at = time.monotonic()
        offered = [p.lower() for p in self.scope.get("subprotocols") or []]
        await self.accept(subprotocol=BEARER if offered[:1] == [BEARER] else None)
        try:
            admission = await database_sync_to_async(socket_admit)(self.scope)
        except SocketRefused as refusal:
            await self.refuse(refusal)
            return
        self.tenant = admission.tenant
        if admission.user is None:
            self.auth_timer = asyncio.get_running_loop().call_later(
                settings.REALTIME_AUTH_SECONDS, lambda: asyncio.ensure_future(self.auth_timeout())
            )
            return
        await self.admitted(admission.user)

    async def admitted(self, user: Any) -> None:
        self.user = user
        await self.join(person_group(self.tenant.schema_name, user.pk))
        for topic in await database_sync_to_async(topics_for)(user=user, tenant=self.tenant):
            await self.join(topic_group(self.tenant.schema_name, topic))

    async def join(self, group: str) -> None:
        async with layer_gate():
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.add(group)

    async def leave(self, group: str) -> None:
        async with layer_gate():
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined.discard(group)

    async def disconnect(self, code: int) -> None:
        timer = getattr(self, "auth_timer", None)
        if timer is not None:
            timer.cancel()
        for group in list(getattr(self, "groups_joined", ())):
            await self.leave(group)

    async def refuse(self, refusal: SocketRefused) -> None:
        await self.send(
            text_data=_text({"type": "error", "ref": None, "code": refusal.code, "message": refusal.message})
        )
        await self.close(code=refusal.close_code)

    async def auth_timeout(self) -> None:
        if self.user is None:
            await self.refuse(SocketRefused("auth_timeout", "No auth frame came in time.", 4401))

    # --- Client frames --------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            if not self.rate.allow():
                raise FrameRefused("rate_limited", "Too many frames; slow down.")
            frame = frame_parse(text_data, max_bytes=settings.REALTIME_FRAME_MAX_BYTES)
            reply = await self.answer(frame)
        except FrameRefused as refused:
            reply = {"type": "error", "ref": refused.ref, "code": refused.code, "message": refused.message}
        except SocketRefused as refusal:
            await self.refuse(refusal)
            return
        except Exception:  # an app's hook failed: the socket stays, the client hears a stable code
            log.exception("realtime: a frame handler failed")
            reply = {"type": "error", "ref": None, "code": "server_error", "message": "The frame could not be handled."}
        if reply is not None:
            await self.send(text_data=_text(reply))

    async def answer(self, frame: dict[str, Any]) -> dict[str, Any] | None:
        ref = frame.get("ref")
        if frame["type"] == "auth":
            return await self.authenticate(frame)
        if self.user is None:
            raise SocketRefused("auth_required", "Authenticate first: {“type”: “auth”, “token”: …}.", 4401)
        if frame["type"] == "ping":
            return {"type": "pong", "ref": ref} if ref is not None else {"type": "pong"}
        await self.recheck()
        data = await database_sync_to_async(frame_route)(frame, user=self.user, tenant=self.tenant)
        return {"type": "reply", "ref": ref, "data": data}

    async def authenticate(self, frame: dict[str, Any]) -> dict[str, Any]:
        if self.user is not None:
            raise FrameRefused("already_authenticated", "This socket is already authenticated.", frame.get("ref"))
        user = await database_sync_to_async(socket_admit_token)(self.scope, self.tenant, frame.get("token"))
        self.auth_timer.cancel()
        await self.admitted(user)
        return {"type": "reply", "ref": frame.get("ref"), "data": {"user": str(user.pk)}}

    async def recheck(self) -> None:
        """A long-lived socket outlives a membership: re-read it now and then (on frames)."""
        if time.monotonic() - self.checked_at < settings.REALTIME_RECHECK_SECONDS:
            return
        if not await database_sync_to_async(still_member)(user_id=self.user.pk, tenant_id=self.tenant.pk):
            raise SocketRefused("not_member", "You are no longer an active member of this organisation.", 4403)
        self.checked_at = time.monotonic()

    # --- Channel-layer messages (apps/realtime/publish.py) --------------------------------------

    async def rt_event(self, message: dict[str, Any]) -> None:
        await self.send(text_data=message["text"])

    async def rt_subscribe(self, message: dict[str, Any]) -> None:
        await self.join(topic_group(self.tenant.schema_name, message["topic"]))

    async def rt_unsubscribe(self, message: dict[str, Any]) -> None:
        await self.leave(topic_group(self.tenant.schema_name, message["topic"]))
