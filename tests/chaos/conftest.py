"""Chaos fixtures: a private redis-server as broker, real `celery worker` processes that a test kills
with SIGKILL, and committed data (a worker only sees what is committed) removed again afterwards."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app
from tests.utils import subprocess_env

# Ports 18400-18499 belong to these tests; an xdist worker takes its own. CHAOS_PORT_BASE moves the
# base, so a second run on the same machine (a CI run next to a developer's) takes other ports.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
PORT = int(os.environ.get("CHAOS_PORT_BASE", "18400")) + (int(_WORKER[2:]) if _WORKER[2:].isdigit() else 0) * 10
# Short heartbeat and staleness, so a killed worker's job is noticed in seconds (settings: "Jobs").
JOB_TIMINGS = {"JOBS_HEARTBEAT_SECONDS": "1", "JOBS_STALE_SECONDS": "4", "JOBS_PICKUP_SECONDS": "30"}


class Redis:
    """redis-server on a private port, with an append-only file synced on every write: the broker
    setup the docs require, so a restart (even a SIGKILL) keeps the queue."""

    def __init__(self, port: int) -> None:
        self.port, self.dir = port, tempfile.mkdtemp(prefix="nf-chaos-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                   "--appendonly", "yes", "--appendfsync", "always", "--save", ""]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        _wait_for_port(self.port)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def remove(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def _wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"Nothing listens on port {port}")


class Worker:
    """`celery worker` (prefork, 2 processes) in its own process group, so SIGKILL takes it whole."""

    def __init__(self, broker: str) -> None:
        self.broker = broker
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = subprocess_env(CELERY_BROKER_URL=self.broker, CELERY_RESULT_BACKEND=self.broker, **JOB_TIMINGS)
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork",
                   "--concurrency", "2", "-l", "warning", "--without-mingle", "--without-gossip"]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, start_new_session=True)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None


def _point_app_at(broker: str, *, pinned: bool = True) -> None:
    """The test process sends (on_commit enqueues, the sweeper) to the same private broker. `pinned`:
    the write and read URLs are set too, so one left in the settings by another test cannot win;
    unpinned (afterwards), they follow `broker_url` again."""
    separate = broker if pinned else None
    app.conf.update(broker_url=broker, broker_write_url=separate, broker_read_url=separate)
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]


@pytest.fixture
def redis_broker() -> Iterator[Redis]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (Debian: apt-get install redis-server)")
    redis = Redis(PORT)
    redis.start()
    previous = app.conf.broker_url
    _point_app_at(redis.url)
    try:
        yield redis
    finally:
        _point_app_at(previous, pinned=False)
        redis.remove()


@pytest.fixture
def worker(redis_broker: Redis) -> Iterator[Worker]:
    process = Worker(redis_broker.url)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def committed(django_db_setup: None, django_db_blocker: Any, settings: Any) -> Iterator[None]:
    """Database access outside a test transaction (autocommit): workers see every write. The test
    removes what it made itself; the sweeper runs here with the workers' short timings."""
    for name, value in JOB_TIMINGS.items():
        setattr(settings, name, float(value))
    with django_db_blocker.unblock():
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        yield
        connection.set_schema_to_public()  # type: ignore[attr-defined]


def wait_until(condition: Any, *, timeout: float, every: float = 0.5, step: Any = None) -> bool:
    """Poll `condition` (running `step` between polls, e.g. the sweeper) until true or `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if step is not None:
            step()
        time.sleep(every)
    return bool(condition())


def references_delete(table: str, condition: str, params: list[Any]) -> None:
    """Delete the rows of public `table` matching `condition`, after every row that references them
    (bench/provision.py's cleanup: audit rows, which nothing references, stay)."""
    quoted = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT child.relname, a.attname, ra.attname FROM pg_constraint c
               JOIN pg_class child ON child.oid = c.conrelid
               JOIN pg_namespace n ON n.oid = child.relnamespace AND n.nspname = 'public'
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
               JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
               WHERE c.contype = 'f' AND c.confrelid = %s::regclass AND c.conrelid <> c.confrelid""",
            [f"public.{table}"],
        )
        children = cursor.fetchall()
    for child, column, referenced in children:
        sub = f"{quoted(column)} IN (SELECT {quoted(referenced)} FROM {quoted(table)} WHERE {condition})"
        references_delete(child, sub, params)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quoted(table)} WHERE {condition}", params)
