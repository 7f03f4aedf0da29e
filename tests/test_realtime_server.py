"""WebSockets on a real ASGI server: uvicorn serving config.asgi in a thread of this process, on the test
database, with `websockets` clients (apps/realtime, docs/realtime.md).

The server runs in this process so hooks a test contributes are the server's too. It reads the
database on its own connections, so the people and sessions a test uses are committed (and their
memberships removed afterwards, like the other tests on real connections).
"""

import asyncio
import json
import socket
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import websockets
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client

from apps.accounts.models import Membership
from apps.core.contributions import Hook, contribute, contributions_reset
from apps.realtime.publish import publish, subscribe, unsubscribe
from apps.tenancy.models import Tenant
from apps.tokens.services import token_pair_issue
from tests.factories import MembershipFactory
from tests.utils import asgi_server, run_on_own_connections

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
SHARED_TOPIC = "room.shared"


# --- The server and the people ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def realtime_server(django_db_setup, django_db_blocker):
    with asgi_server() as port:
        yield port


def _committed(fn: Callable[[], Any]) -> Any:
    result: list[Any] = []
    run_on_own_connections(lambda: result.append(fn()), cleanup=lambda: None)
    return result[0]


class People:
    """Committed members with a portal session or an access token; their memberships go at the end."""

    def __init__(self) -> None:
        self.users: list[Any] = []

    def member(self, tenant: Tenant) -> Any:
        email = f"rt-{uuid.uuid4().hex[:10]}@{tenant.slug}.test"
        user = _committed(lambda: MembershipFactory(tenant=tenant, user__email=email).user)
        self.users.append(user)
        return user

    def session(self, user: Any) -> str:
        def login() -> str:
            client = Client(HTTP_HOST="acme.localhost")
            client.force_login(user)
            return client.cookies[settings.SESSION_COOKIE_NAME].value

        return _committed(login)

    def token(self, user: Any, tenant: Tenant) -> str:
        return _committed(lambda: token_pair_issue(user=user, tenant=tenant).access)

    def cleanup(self) -> None:
        ids = [user.pk for user in self.users]
        _committed(lambda: Membership.objects.filter(user_id__in=ids).delete())


@pytest.fixture
def people():
    found = People()
    yield found
    found.cleanup()


@pytest.fixture
def hooks_for_test():
    """The test's own realtime hooks: every socket joins SHARED_TOPIC; frames "echo" and "refuse"."""
    contribute(
        Hook("realtime.topics", f"{__name__}.topics_shared"),
        Hook("realtime.frame", f"{__name__}.frame_echo"),
    )
    yield
    contributions_reset()


def topics_shared(*, user: Any, tenant: Any) -> list[str]:
    return [SHARED_TOPIC]


def frame_echo(frame: dict, *, user: Any, tenant: Any) -> dict | None:
    from django.db import connection

    if frame["type"] == "test.echo":
        return {"echo": frame.get("text"), "user": str(user.pk), "schema": getattr(connection, "schema_name", "")}
    if frame["type"] == "test.refuse":
        raise ValidationError("Not today.", code="not_today")
    return NotImplemented


# --- Clients ---------------------------------------------------------------------------------------


async def _open(port: int, host: str, *, session: str | None = None, origin: str | None = "auto",
                subprotocols: list[str] | None = None) -> Any:  # fmt: skip
    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"} if session else {}
    origin = f"http://{host}:8000" if origin == "auto" else origin
    options: dict[str, Any] = {"origin": origin, "subprotocols": subprotocols}  # plain str: websockets' NewTypes
    return await websockets.connect(
        f"ws://{host}:{port}/ws/", host="127.0.0.1", port=port, additional_headers=headers, open_timeout=20,
        max_size=2**20, **options,
    )  # fmt: skip


async def _frame(ws: Any, timeout: float = 10) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def _nothing(ws: Any, wait: float = 0.4) -> None:
    with pytest.raises(TimeoutError):
        frame = await asyncio.wait_for(ws.recv(), wait)
        pytest.fail(f"unexpected frame {frame}")


async def _ready(ws: Any) -> None:
    """A pong means the connect handler (admission, groups) has finished."""
    await ws.send(json.dumps({"type": "ping", "ref": "ready"}))
    assert await _frame(ws) == {"type": "pong", "ref": "ready"}


async def _settled(ws: Any) -> None:
    """A (un)subscribe message and a ping travel apart (Redis, the socket): give the first time to land."""
    await asyncio.sleep(0.3)
    await _ready(ws)


async def _refused(ws: Any) -> tuple[str, int]:
    frame = await _frame(ws)
    assert frame["type"] == "error"
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 10)
    received = closed.value.rcvd
    assert received is not None, "the server closed without a close frame"
    return frame["code"], received.code


async def _publish(topic: str, data: dict, tenant: Tenant) -> None:
    await asyncio.to_thread(publish, topic, data, schema_name=tenant.schema_name)


def run(scenario: Any) -> Any:
    return asyncio.run(scenario)


# --- Authentication and tenant scoping -------------------------------------------------------------


def test_session_socket_gets_its_tenants_events_only(realtime_server, people, hooks_for_test, acme, globex):
    ann, gus = people.member(acme), people.member(globex)
    ann_session, gus_session = people.session(ann), people.session(gus)

    async def scenario():
        async with (
            await _open(realtime_server, "acme.localhost", session=ann_session) as a,
            await _open(realtime_server, "globex.localhost", session=gus_session) as g,
        ):
            await _ready(a)
            await _ready(g)
            await _publish(SHARED_TOPIC, {"n": 1}, acme)
            assert await _frame(a) == {"type": "event", "topic": SHARED_TOPIC, "data": {"n": 1}}
            await _nothing(g)
            await _publish(SHARED_TOPIC, {"n": 2}, globex)
            assert await _frame(g) == {"type": "event", "topic": SHARED_TOPIC, "data": {"n": 2}}
            await _nothing(a)

    run(scenario())


def test_token_in_the_subprotocol_or_the_auth_frame(realtime_server, people, hooks_for_test, acme):
    ann = people.member(acme)
    token = people.token(ann, acme)

    async def scenario():
        ws = await _open(
            realtime_server, "acme.localhost", origin=None, subprotocols=["bearer", token.replace(":", "~")]
        )
        async with ws:
            assert ws.subprotocol == "bearer"
            await ws.send(json.dumps({"type": "test.echo", "ref": 7, "text": "hi"}))
            echoed = {"echo": "hi", "user": str(ann.pk), "schema": acme.schema_name}
            assert await _frame(ws) == {"type": "reply", "ref": 7, "data": echoed}
        async with await _open(realtime_server, "acme.localhost", origin=None) as ws:
            await ws.send(json.dumps({"type": "auth", "ref": "a", "token": token}))
            assert await _frame(ws) == {"type": "reply", "ref": "a", "data": {"user": str(ann.pk)}}
            await _ready(ws)
            await _publish(SHARED_TOPIC, {"hello": "ann"}, acme)
            assert (await _frame(ws))["data"] == {"hello": "ann"}

    run(scenario())


def test_refusals(realtime_server, people, acme, globex):
    ann, gus = people.member(acme), people.member(globex)
    ann_session, gus_session = people.session(ann), people.session(gus)
    gus_token = people.token(gus, globex)

    async def refused(host: str, **options: Any) -> tuple[str, int]:
        async with await _open(realtime_server, host, **options) as ws:
            return await _refused(ws)

    async def scenario():
        assert await refused("nowhere.localhost", session=ann_session) == ("unknown_host", 4404)
        assert await refused("localhost", session=ann_session) == ("platform_domain", 4404)
        assert await refused("acme.localhost", session=gus_session) == ("not_member", 4403)
        assert await refused("acme.localhost", subprotocols=["bearer", gus_token.replace(":", "~")]) == (
            "token_wrong_tenant", 4401)  # fmt: skip
        assert await refused("acme.localhost", subprotocols=["bearer", "nf_abc.def"]) == ("api_key_refused", 4403)
        assert await refused("acme.localhost", subprotocols=["bearer", "not-a-token"]) == ("token_invalid", 4401)
        # A page on another site cannot use the person's cookie.
        assert await refused("acme.localhost", session=ann_session, origin="http://evil.example") == (
            "origin_refused", 4403)  # fmt: skip
        async with await _open(realtime_server, "acme.localhost") as ws:  # no credentials: frames wait for auth
            await ws.send(json.dumps({"type": "ping"}))
            assert await _refused(ws) == ("auth_required", 4401)

    run(scenario())


def test_a_suspended_tenant_serves_no_socket(realtime_server, people, acme):
    ann = people.member(acme)
    session = people.session(ann)
    _committed(lambda: Tenant.objects.filter(pk=acme.pk).update(status=Tenant.Status.SUSPENDED))
    try:

        async def scenario():
            async with await _open(realtime_server, "acme.localhost", session=session) as ws:
                assert await _refused(ws) == ("tenant_suspended", 4403)

        run(scenario())
    finally:
        _committed(lambda: Tenant.objects.filter(pk=acme.pk).update(status=Tenant.Status.ACTIVE))


def test_auth_frame_must_come_in_time(realtime_server, acme, settings):
    settings.REALTIME_AUTH_SECONDS = 0.3

    async def scenario():
        async with await _open(realtime_server, "acme.localhost", origin=None) as ws:
            assert await _refused(ws) == ("auth_timeout", 4401)

    run(scenario())


# --- Topics -----------------------------------------------------------------------------------------


def test_subscribe_and_unsubscribe_reach_the_persons_open_sockets(realtime_server, people, acme):
    ann, bob = people.member(acme), people.member(acme)
    ann_session, bob_session = people.session(ann), people.session(bob)
    topic = f"chat.channel.{uuid.uuid4().hex[:6]}"

    async def scenario():
        async with (
            await _open(realtime_server, "acme.localhost", session=ann_session) as a,
            await _open(realtime_server, "acme.localhost", session=bob_session) as b,
        ):
            await _ready(a)
            await _ready(b)
            await asyncio.to_thread(subscribe, ann.pk, topic, schema_name=acme.schema_name)
            await _settled(a)
            await _publish(topic, {"text": "hello"}, acme)
            assert await _frame(a) == {"type": "event", "topic": topic, "data": {"text": "hello"}}
            await _nothing(b)
            await asyncio.to_thread(unsubscribe, ann.pk, topic, schema_name=acme.schema_name)
            await _settled(a)
            await _publish(topic, {"text": "gone"}, acme)
            await _nothing(a)

    run(scenario())


# --- Frames -----------------------------------------------------------------------------------------


def test_frames_are_routed_or_refused_with_a_code(realtime_server, people, hooks_for_test, acme):
    ann = people.member(acme)
    session = people.session(ann)

    async def scenario():
        async with await _open(realtime_server, "acme.localhost", session=session) as ws:
            await _ready(ws)
            cases = [
                (json.dumps({"type": "test.refuse", "ref": "r1"}), ("r1", "not_today")),
                (json.dumps({"type": "nope", "ref": "r2"}), ("r2", "unknown_type")),
                ("this is not json", (None, "bad_frame")),
                ("[1, 2]", (None, "bad_frame")),
                (json.dumps({"ref": "r3"}), ("r3", "bad_frame")),
                (json.dumps({"type": "ping", "pad": "x" * (17 * 1024)}), (None, "frame_too_large")),
            ]
            for text, (ref, code) in cases:
                await ws.send(text)
                frame = await _frame(ws)
                assert (frame["type"], frame["ref"], frame["code"]) == ("error", ref, code), text
                assert frame["message"]
            await ws.send(b"\x00binary")
            assert (await _frame(ws))["code"] == "bad_frame"
            await ws.send(json.dumps({"type": "test.echo", "ref": "ok", "text": "still here"}))
            assert (await _frame(ws))["data"]["echo"] == "still here"

    run(scenario())


def test_a_flooding_socket_is_rate_limited(realtime_server, people, acme, settings):
    settings.REALTIME_RATE_FRAMES = 5
    settings.REALTIME_RATE_SECONDS = 60
    ann = people.member(acme)
    session = people.session(ann)

    async def scenario():
        async with await _open(realtime_server, "acme.localhost", session=session) as ws:
            for n in range(8):
                await ws.send(json.dumps({"type": "ping", "ref": n}))
            frames = [await _frame(ws) for _ in range(8)]
            assert [f["type"] for f in frames].count("pong") == 5
            assert {f.get("code") for f in frames if f["type"] == "error"} == {"rate_limited"}

    run(scenario())
