"""Benchmark the WebSocket fan-out: N connected sockets (500 people) on one topic; each message must
reach every one of them.

Run from the repository root, with the services' environment (PostgreSQL and Redis):

    set -a; source .data/services.env; set +a
    .venv/bin/python bench/chat_fanout.py [--clients 500] [--messages 30] [--interval 0.2] [--drop]

It uses its own database (`nf_bench_realtime`; BENCH_DATABASE_NAME overrides) with the test settings,
and a tenant `bench-rt` with one member per client (created in bulk, kept between runs). The ASGI
server is the real one (uvicorn serving config.asgi in a subprocess on a free port); the clients are
`websockets` connections in this process, each signed in with its person's access token (the
`bearer` subprotocol), then subscribed to the topic with `apps.realtime.publish.subscribe`.

Timed part: each message is published (`publish`, or `--via-chat`: a real chat message through
`apps.chat.services.message_send` when the chat app is installed, whose event goes out on commit)
with its send time; every client notes when it arrives. Latency = arrival - send, per client per
message; a message a client has not received 5 s after it was sent is lost.

Progress goes to stderr; the last line on stdout is one JSON object:
`{"clients", "messages", "p50_ms", "p95_ms", "max_ms", "lost"}` (goal: p95 <= 200 ms, 0 lost).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchdb import BenchDatabase, log  # noqa: E402

BENCH = BenchDatabase("nf_bench_realtime")
os.environ.setdefault("TEST_DATABASE_NAME", BENCH.name)  # the channel-layer prefix (config/settings/test.py)
database_ensure, database_drop = BENCH.ensure, BENCH.drop
database_ensure()

import django  # noqa: E402

django.setup()

import websockets  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from apps.accounts.models import Membership, User  # noqa: E402
from apps.realtime.publish import publish, subscribe  # noqa: E402
from apps.tenancy.models import Tenant  # noqa: E402
from apps.tenancy.services import platform_tenant_ensure, tenant_create, tenant_template_ensure  # noqa: E402
from apps.tokens.access_tokens import access_token_issue  # noqa: E402

SLUG = "bench-rt"
HOST = f"{SLUG}.localhost"
TOPIC = "bench.fanout"
LOST_AFTER = 5.0
UNUSABLE = make_password(None)


def platform_ensure() -> None:
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    platform_tenant_ensure(domain="localhost")
    tenant_template_ensure()


def people_ensure(clients: int) -> tuple[Tenant, list[User]]:
    tenant = Tenant.objects.filter(slug=SLUG).first()
    if tenant is None:
        tenant = tenant_create(name="Bench Realtime", slug=SLUG, acting_user=None)
        tenant.max_users = 10**6
        tenant.save(update_fields=["max_users"])
    have = Membership.objects.filter(tenant=tenant).count()
    if have < clients:
        log(f"Creating {clients - have} users and memberships ...")
        users = [
            User(id=uuid.uuid4(), email=f"bench-rt-{i}@example.com", password=UNUSABLE) for i in range(have, clients)
        ]
        User.objects.bulk_create(users, batch_size=5000)
        Membership.objects.bulk_create([Membership(user=u, tenant=tenant) for u in users], batch_size=5000)
    members = Membership.objects.filter(tenant=tenant).select_related("user").order_by("user__email")[:clients]
    return tenant, [m.user for m in members]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_start(port: int) -> subprocess.Popen[bytes]:
    argv = [str(REPO_ROOT / ".venv" / "bin" / "uvicorn"), "config.asgi:application", "--host", "127.0.0.1",
            "--port", str(port), "--log-level", "warning", "--ws-max-size", "65536"]  # fmt: skip
    env = dict(os.environ, REALTIME_RATE_FRAMES="1000")
    server = subprocess.Popen(argv, cwd=REPO_ROOT, env=env)  # noqa: S603 - our own fixed command line
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.2)
    server.kill()
    raise SystemExit("the ASGI server did not start")


class Client:
    def __init__(self, user: User, token: str) -> None:
        self.user, self.token = user, token
        self.arrived: dict[int, float] = {}
        self.ws: Any = None

    async def open(self, port: int) -> None:
        self.ws = await websockets.connect(
            f"ws://{HOST}:{port}/ws/", host="127.0.0.1", port=port, open_timeout=120,
            subprotocols=["bearer", self.token.replace(":", "~")],
        )  # fmt: skip

    async def ping(self) -> None:
        await self.ws.send('{"type":"ping","ref":"p"}')
        while json.loads(await self.ws.recv()).get("type") != "pong":
            pass

    async def listen(self) -> None:
        async for text in self.ws:
            frame = json.loads(text)
            if frame.get("type") == "event":
                data = frame["data"]
                seq = data.get("seq", data.get("message", {}).get("body", "").removeprefix("bench "))
                self.arrived[int(seq)] = time.time()


def chat_sender(tenant: Tenant, users: list[User]) -> tuple[str, Any] | None:
    """A real chat channel with every bench person in it, and a function that posts to it (or None)."""
    try:
        from apps.chat import services as chat
    except ImportError:
        return None
    with tenant_context(tenant):
        channel = chat.channel_create(name=f"bench-{uuid.uuid4().hex[:6]}", members=users[1:], acting_user=users[0])

    def send(seq: int) -> None:
        with tenant_context(tenant):
            chat.message_send(channel=channel, author=users[0], body=f"bench {seq}")

    return f"chat.channel.{channel.pk}", send


async def connect_all(clients: list[Client], port: int, tenant: Tenant, topic: str) -> None:
    started = time.perf_counter()
    gate = asyncio.Semaphore(50)

    async def one(client: Client) -> None:
        async with gate:
            await client.open(port)

    await asyncio.gather(*(one(c) for c in clients))
    await asyncio.gather(*(c.ping() for c in clients))  # a pong: the connect handler (admission, groups) is done
    log(f"{len(clients)} sockets open in {time.perf_counter() - started:.1f} s; subscribing to {topic} ...")
    for client in clients:
        await asyncio.to_thread(subscribe, client.user.pk, topic, schema_name=tenant.schema_name)
    await asyncio.sleep(1)  # the subscribe messages travel through Redis, apart from the sockets
    await asyncio.gather(*(c.ping() for c in clients))


async def run(
    args: argparse.Namespace, tenant: Tenant, clients: list[Client], port: int, via_chat: tuple[str, Any] | None
) -> dict[str, Any]:
    now = time.time()
    topic, send_chat = via_chat if via_chat else (TOPIC, None)
    await connect_all(clients, port, tenant, topic)
    listeners = [asyncio.create_task(c.listen()) for c in clients]
    sent: dict[int, float] = {}
    for seq in range(args.messages):
        sent[seq] = time.time()
        if send_chat is not None:
            await asyncio.to_thread(send_chat, seq)
        else:
            await asyncio.to_thread(publish, topic, {"seq": seq, "text": "x" * 200}, schema_name=tenant.schema_name)
        await asyncio.sleep(args.interval)
    await asyncio.sleep(LOST_AFTER)
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(c.ws.close() for c in clients), return_exceptions=True)
    latencies = [(c.arrived[s] - at) * 1000 for c in clients for s, at in sent.items() if s in c.arrived]
    lost = sum(1 for c in clients for s, at in sent.items() if s not in c.arrived or c.arrived[s] - at > LOST_AFTER)
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    log(f"{len(latencies)} deliveries measured in {time.time() - now:.1f} s")
    return {"clients": len(clients), "messages": args.messages, "p50_ms": round(quantiles[49], 1),
            "p95_ms": round(quantiles[94], 1), "max_ms": round(max(latencies, default=0.0), 1), "lost": lost,
            "via": "chat" if send_chat else "publish"}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--messages", type=int, default=30)
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between two messages")
    parser.add_argument("--via-chat", action="store_true", help="post real chat messages (needs apps.chat)")
    parser.add_argument("--drop", action="store_true")
    args = parser.parse_args()
    platform_ensure()
    tenant, users = people_ensure(args.clients)
    # The database work is done here, before the event loop: Django refuses ORM calls inside it.
    tokens = [access_token_issue(user=u, tenant=tenant, family=SimpleNamespace(pk=uuid.uuid4()))[0] for u in users]
    clients = [Client(u, t) for u, t in zip(users, tokens, strict=True)]
    via_chat = chat_sender(tenant, users) if args.via_chat else None
    port = free_port()
    server = server_start(port)
    try:
        result = asyncio.run(run(args, tenant, clients, port, via_chat))
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:  # sockets still closing: the numbers are taken, stop it
            server.kill()
            server.wait()
    if args.drop:
        database_drop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
