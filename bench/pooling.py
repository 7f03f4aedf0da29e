"""PgBouncer session vs transaction mode under django-tenants' statement pattern (docs/deploy/pooling.md).

N concurrent clients each make short "tenant requests" the way a web process with CONN_MAX_AGE=0 does:
connect, `SET search_path = <tenant>, public` (django-tenants, TENANT_LIMIT_SET_CALLS: once per
connection, in autocommit), two short queries in that tenant's schema, disconnect. Each schema's table
holds its own name, so a query that ran under another client's search_path is counted as a LEAK.
Three ways are measured: straight to PostgreSQL, through PgBouncer in session mode, and in transaction
mode. For each: throughput, latency p50/p95, the most server connections seen, and leaks.

    .venv/bin/python bench/pooling.py [--clients 40] [--requests 40] [--pool-size 10] [--port 16433]

Needs Debian's pgbouncer and the local PostgreSQL (DATABASE_URL's server). It creates and drops its own
database (nidia_pooling_bench). Last line: one JSON object with the figures per mode.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg

SERVER = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres")
HOST, PORT = SERVER.hostname or "127.0.0.1", SERVER.port or 5432
DATABASE = "nidia_pooling_bench"
SCHEMAS = [f"tenant_{n}" for n in range(8)]


def dsn(port: int, database: str = DATABASE) -> str:
    return f"postgres://postgres@{HOST if port == PORT else '127.0.0.1'}:{port}/{database}"


def database_create() -> None:
    with psycopg.connect(dsn(PORT, "postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    with psycopg.connect(dsn(PORT), autocommit=True) as conn:
        for schema in SCHEMAS:
            conn.execute(f"CREATE SCHEMA {schema}")
            conn.execute(f"CREATE TABLE {schema}.marker (name text)")
            conn.execute(f"INSERT INTO {schema}.marker VALUES ('{schema}')")


def database_drop() -> None:
    with psycopg.connect(dsn(PORT, "postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


class Pgbouncer:
    """Our own PgBouncer (never the system service), in the given mode, from a temp-dir ini."""

    def __init__(self, *, port: int, mode: str, pool_size: int) -> None:
        self.port, self.mode, self.pool_size = port, mode, pool_size
        self.dir = Path(tempfile.mkdtemp(prefix="bench-pgbouncer-"))
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Pgbouncer:
        self.dir.chmod(0o755)
        (self.dir / "users.txt").write_text('"postgres" ""\n')
        (self.dir / "pgbouncer.ini").write_text(
            f"[databases]\n{DATABASE} = host={HOST} port={PORT} dbname={DATABASE} user=postgres\n"
            f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.dir / 'users.txt'}\npool_mode = {self.mode}\n"
            f"default_pool_size = {self.pool_size}\nmax_client_conn = 2000\nserver_reset_query = DISCARD ALL\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
        )
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        argv = [binary, *(["-u", "postgres"] if os.geteuid() == 0 else []), str(self.dir / "pgbouncer.ini")]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        for _ in range(100):
            try:
                psycopg.connect(dsn(self.port), connect_timeout=1).close()
                return self
            except psycopg.OperationalError:
                time.sleep(0.1)
        raise SystemExit(f"pgbouncer did not start on port {self.port}")

    def __exit__(self, *exc: object) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def tenant_request(port: int, schema: str) -> bool:
    """One request as django-tenants makes it; True when every row came from the request's own schema."""
    with psycopg.connect(dsn(port), autocommit=True, prepare_threshold=None) as conn:
        conn.execute(f"SET search_path = {schema}, public")  # django-tenants: a plain SET, once per connection
        seen = [conn.execute("SELECT name FROM marker").fetchone()[0] for _ in range(2)]  # type: ignore[index]
    return all(name == schema for name in seen)


def server_connections() -> int:
    with psycopg.connect(dsn(PORT, "postgres"), autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [DATABASE]).fetchone()
    return int(row[0]) if row else 0


def measure(port: int, *, clients: int, requests: int) -> dict[str, Any]:
    latencies: list[float] = []
    leaks, errors, peak = [0], [0], [0]
    lock, done = threading.Lock(), threading.Event()

    def client(number: int) -> None:
        for n in range(requests):
            schema = SCHEMAS[(number + n) % len(SCHEMAS)]
            started = time.perf_counter()
            try:
                ok = tenant_request(port, schema)
            except psycopg.Error:
                ok, errors[0] = True, errors[0] + 1
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                leaks[0] += 0 if ok else 1

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], server_connections())
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    done.set()
    watcher.join()
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2),
        "server_connections_max": peak[0],
        "leaks": leaks[0],
        "errors": errors[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--requests", type=int, default=40, help="per client")
    parser.add_argument("--pool-size", type=int, default=10, help="PgBouncer's default_pool_size")
    parser.add_argument("--port", type=int, default=16433)
    args = parser.parse_args()
    database_create()
    figures: dict[str, Any] = {"clients": args.clients, "pool_size": args.pool_size}
    try:
        figures["direct"] = measure(PORT, clients=args.clients, requests=args.requests)
        print(f"direct      {figures['direct']}", flush=True)
        for mode in ("session", "transaction"):
            with Pgbouncer(port=args.port, mode=mode, pool_size=args.pool_size):
                figures[mode] = measure(args.port, clients=args.clients, requests=args.requests)
            print(f"{mode:<11} {figures[mode]}", flush=True)
    finally:
        database_drop()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
