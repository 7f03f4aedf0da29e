"""Error reporting with the real sentry-sdk client, sending to a Sentry stand-in started here (an HTTP
server that keeps the envelopes POSTed to /api/<project>/envelope/): an exception in a view and one
in a Celery task (on a real worker process) arrive tagged with the correlation id and the tenant,
without personal data or secrets."""

import gzip
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import brotli
import pytest
import sentry_sdk
from django.conf import settings
from django.urls import get_resolver
from django_tenants.utils import tenant_context

from apps.core.correlation import correlation_scope
from apps.core.sentry import sentry_init
from config.celery import app

from .utils import subprocess_env

pytestmark = pytest.mark.django_db


class SentryStandIn:
    """Receives envelopes; `events()` are their error events (JSON items with an "exception")."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.paths: list[str] = []
        received = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                encoding = self.headers.get("Content-Encoding")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "br":  # sentry-sdk's choice when brotli is installed (it is: base.txt)
                    body = brotli.decompress(body)
                received.paths.append(self.path)
                received.bodies.append(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.dsn = f"http://publickey@127.0.0.1:{self.port}/42"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict[str, Any]]:
        found = []
        for body in self.bodies:
            for line in body.splitlines():
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                if isinstance(item, dict) and "exception" in item:
                    found.append(item)
        return found

    def wait_for_event(self, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while not self.events():
            assert time.monotonic() < deadline, "no error event reached the Sentry stand-in"
            time.sleep(0.2)
        return self.events()[0]


@pytest.fixture
def sentry_server() -> Iterator[SentryStandIn]:
    server = SentryStandIn()
    try:
        yield server
    finally:
        server.server.shutdown()


@pytest.fixture
def sentry_on(sentry_server) -> Iterator[SentryStandIn]:
    sentry_init(dsn=sentry_server.dsn, environment="test", release="nidia@test")
    try:
        yield sentry_server
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # no DSN: the rest of the suite sends nothing


def test_an_exception_in_a_view_arrives_tagged_without_secrets(sentry_on, acme_client, acme_admin, monkeypatch):
    def broken(request):
        password = "-".join(["view", "secret", "value"])  # noqa: F841 - built here: the source line is sent too
        raise RuntimeError("the view broke")

    pattern = next(p for p in get_resolver("config.urls.tenant").url_patterns if getattr(p, "name", "") == "healthz")
    monkeypatch.setattr(pattern, "callback", broken)
    acme_client.raise_request_exception = False
    acme_client.force_login(acme_admin)
    response = acme_client.get("/healthz?token=query-secret", HTTP_X_REQUEST_ID="sentry-view-1", HTTP_COOKIE="a=b")
    assert response.status_code == 500
    sentry_sdk.flush(timeout=10)
    event = sentry_on.wait_for_event()
    assert sentry_on.paths[0] == "/api/42/envelope/"
    assert event["exception"]["values"][-1]["value"] == "the view broke"
    assert event["tags"]["correlation_id"] == "sentry-view-1" and event["tags"]["tenant"] == "t_acme"
    assert event["environment"] == "test" and event["release"] == "nidia@test"
    raw = b"".join(sentry_on.bodies).decode()
    assert "view-secret-value" not in raw and "query-secret" not in raw
    frame = event["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert frame["function"] == "broken" and frame["vars"]["password"] == "[Filtered]"
    assert acme_admin.email not in raw


def wait_for_log_line(log: Path, *, timeout: float = 30, **fields: str) -> dict[str, Any]:
    """The first JSON line of `log` with these field values (the worker logs a failure after storing it)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
        found = [line for line in lines if all(line.get(key) == value for key, value in fields.items())]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"no log line with {fields}: {log.read_text()[-3000:]}"
        time.sleep(0.2)


@pytest.fixture
def worker_reporting_to(sentry_server, tmp_path) -> Iterator[Path]:
    """A real `celery worker` with SENTRY_DSN set and JSON logs; yields the file of its stderr."""
    app.control.purge()
    log = tmp_path / "worker.log"
    with log.open("w") as stderr:
        env = subprocess_env(SENTRY_DSN=sentry_server.dsn, SENTRY_ENVIRONMENT="worker-test", LOG_FORMAT="json")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-l", "warning"],
            cwd=settings.BASE_DIR, env=env, stderr=stderr, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not app.control.ping(timeout=0.5):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"The Celery worker did not start: {log.read_text()[-2000:]}")
            yield log
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_an_exception_in_a_task_arrives_tagged_and_the_worker_logs_json(sentry_server, worker_reporting_to, acme):
    with tenant_context(acme), correlation_scope("sentry-task-1"):
        result = app.send_task("sample.fail")
    with pytest.raises(RuntimeError):
        result.get(timeout=60, propagate=True)
    event = sentry_server.wait_for_event()
    assert event["exception"]["values"][-1]["value"] == "the sample task failed"
    assert event["tags"]["correlation_id"] == "sentry-task-1" and event["tags"]["tenant"] == "t_acme"
    assert event["tags"]["celery_task_id"] == result.id and event["environment"] == "worker-test"
    assert "task-secret-value" not in b"".join(sentry_server.bodies).decode()
    failure = wait_for_log_line(worker_reporting_to, task_id=result.id, level="ERROR")
    assert failure["tenant"] == "t_acme" and failure["correlation_id"] == "sentry-task-1"
    assert failure["task_name"] == "sample.fail" and "the sample task failed" in failure["exc_info"]
