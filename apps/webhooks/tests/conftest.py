"""Webhook fixtures: a real local HTTP receiver (http.server in a thread) and endpoints pointing at it."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from apps.billing.tests.conftest import (  # noqa: F401 - billing's fixtures, for the invoice event tests
    acme_au,
    acme_subscription,
    au_country,
    make_subscription,
    plan_factory,
    professional,
    starter,
)
from apps.webhooks.services import webhook_endpoint_create


class Receiver:
    """Records every request; answers each path with the queued status codes, then 200."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: dict[str, list[int]] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def fail(self, path: str, *codes: int) -> None:
        self.script[path] = list(codes)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    queued = receiver.script.get(self.path) or []
                    code = queued.pop(0) if queued else 200
                reply = json.dumps({"ok": code < 300, "padding": "x" * 800}).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def acme_endpoint(acme, acme_admin, receiver):
    endpoint, secret = webhook_endpoint_create(
        tenant=acme,
        url=receiver.url("/acme"),
        acting_user=acme_admin,
        enabled_events=["invoice.issued", "invoice.paid"],
        description="Acme ERP",
    )
    endpoint.plain_secret = secret
    return endpoint


@pytest.fixture
def globex_endpoint(globex, globex_member, receiver):
    endpoint, secret = webhook_endpoint_create(
        tenant=globex,
        url=receiver.url("/globex"),
        acting_user=None,
        enabled_events=["invoice.issued"],
        description="Globex hook",
    )
    endpoint.plain_secret = secret
    return endpoint


@pytest.fixture
def acme_all_events_endpoint(acme, acme_admin, receiver):
    """An acme endpoint subscribed to every event of the catalogue."""
    from apps.webhooks.catalogue import EVENT_TYPES

    endpoint, _ = webhook_endpoint_create(tenant=acme, url=receiver.url("/all"), acting_user=acme_admin,
                                          enabled_events=list(EVENT_TYPES), description="Everything")  # fmt: skip
    return endpoint
