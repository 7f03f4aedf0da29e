"""Benchmark a clock-in storm: 5,000 people of one tenant clock in through the API within 60 seconds.

Run from the repository root, with the services' environment:

    set -a; source .data/services.env; set +a
    .venv/bin/python bench/clockin_storm.py [--people 5000] [--seconds 50] [--workers 2xCPUs] [--threads 2]
                                            [--clients 48] [--retry-share 0.05] [--drop]

It uses its own database (`nf_bench_clockin` on the server of DATABASE_URL; BENCH_DATABASE_NAME
overrides), created and migrated on the first run. In it, one tenant "bench-clock" on a plan with
Attendance, 5,000 people (bulk-created users, memberships, profiles and direct Attendance grants), a
site with a 150 m circle geofence, and per run: the previous run's punches removed, a bearer access
token per person (a bulk-created token family each, tokens signed like `token_pair_issue` does).

Then gunicorn (`config.wsgi`, `--workers` processes x `--threads` threads, the bench database, DEBUG
off) listens on a free loopback port, and a pool of `--clients` client threads (http.client, keep-alive)
sends one POST /api/v1/attendance/punches/ per person (`kind: in`, a position inside the fence, a
fresh client_id), paced evenly over `--seconds`; about `--retry-share` of them are sent a second time
with the same body and client_id (a phone retrying after a lost answer): it must get 200 and the same
punch. Latency is measured per request (retries included), percentiles by nearest rank.

Progress goes to stderr; the last line on stdout is one JSON object:
`{"punches", "duplicates", "errors", "p50_ms", "p95_ms", ...extra fields}` with duplicates = punch rows
minus distinct people, errors = non-2xx answers (goals: p95 <= 100 ms, 0 duplicates, 0 errors).
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchdb import BenchDatabase, log  # noqa: E402

BENCH = BenchDatabase("nf_bench_clockin")
BENCH.ensure()

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from apps.accounts.models import Membership, User  # noqa: E402
from apps.organisation.models import MemberProfile  # noqa: E402
from apps.solutions.models import SolutionAccess  # noqa: E402
from apps.tenancy.models import Plan, Tenant  # noqa: E402
from apps.tenancy.services import platform_tenant_ensure, tenant_create, tenant_template_ensure  # noqa: E402
from apps.tokens.access_tokens import access_token_issue  # noqa: E402
from apps.tokens.models import RefreshTokenFamily  # noqa: E402
from apps.workplaces.models import Workplace  # noqa: E402
from apps.workplaces.services import geofence_set, workplace_create  # noqa: E402

SLUG, HOST = "bench-clock", "bench-clock.localhost"
SITE = (-33.8731, 151.2065)
UNUSABLE = make_password(None)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def platform_ensure() -> Tenant:
    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    call_command("loaddata", str(REPO_ROOT / "fixtures" / "catalogue.json"), verbosity=0)
    platform_tenant_ensure(domain="localhost")
    tenant_template_ensure()
    tenant = Tenant.objects.filter(slug=SLUG).first() or tenant_create(
        name="Bench Clock", slug=SLUG, acting_user=None, domain=HOST
    )
    plan, _ = Plan.objects.get_or_create(name="bench-attendance", defaults={
        "display_name": "Bench (Attendance)", "features": {"solutions": ["attendance"]}})  # fmt: skip
    # A storm is 5,000+ calls at once: above the default daily API quota (1,000) of a tenant.
    Tenant.objects.filter(pk=tenant.pk).update(plan=plan, status=Tenant.Status.ACTIVE, api_calls_per_day=1_000_000)
    tenant.refresh_from_db()
    log(f"Platform, template and tenant ready in {time.perf_counter() - started:.1f} s.")
    return tenant


def site_ensure() -> Workplace:
    site = Workplace.objects.filter(code="BENCH-SITE").first()
    if site is None:
        region = workplace_create(kind="region", code="BENCH-R", name="Region", acting_user=None)
        area = workplace_create(kind="area", code="BENCH-A", name="Area", parent=region, acting_user=None)
        site = workplace_create(kind="site", code="BENCH-SITE", name="Bench store", parent=area, acting_user=None,
                                time_zone="Australia/Sydney")  # fmt: skip
        geofence_set(site=site, shape="circle", center_lat=SITE[0], center_lng=SITE[1], radius_m=150,
                     acting_user=None)  # fmt: skip
    return site


def people_ensure(tenant: Tenant, count: int) -> list[User]:
    started = time.perf_counter()
    emails = [f"bench-clock-{i}@bench.invalid" for i in range(count)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    User.objects.bulk_create([User(email=e, full_name=e.split("@")[0], password=UNUSABLE) for e in emails
                              if e not in existing], batch_size=2000)  # fmt: skip
    users = list(User.objects.filter(email__in=emails).order_by("email"))
    Membership.objects.bulk_create([Membership(user=u, tenant=tenant) for u in users], ignore_conflicts=True)
    with schema_context(tenant.schema_name):
        MemberProfile.objects.bulk_create([MemberProfile(user=u) for u in users], ignore_conflicts=True)
        granted = set(
            SolutionAccess.objects.active().filter(solution_code="attendance").values_list("user_id", flat=True)
        )
        SolutionAccess.objects.bulk_create([SolutionAccess(solution_code="attendance", user=u, reason="bench")
                                            for u in users if u.pk not in granted], batch_size=2000)  # fmt: skip
    log(f"{len(users)} people with Attendance access in {time.perf_counter() - started:.1f} s.")
    return users


def tokens_issue(tenant: Tenant, users: list[User]) -> list[str]:
    """One token family and one access token per person, in bulk (token_pair_issue, minus the per-row
    history and auth-event rows that a real sign-in writes one at a time)."""
    started = time.perf_counter()
    RefreshTokenFamily.objects.filter(tenant=tenant, device_name="bench").delete()
    families = RefreshTokenFamily.objects.bulk_create([
        RefreshTokenFamily(user=u, tenant=tenant, device_name="bench", refresh_token_version=u.refresh_token_version)
        for u in users
    ], batch_size=2000)  # fmt: skip
    tokens = [access_token_issue(user=u, tenant=tenant, family=f)[0] for u, f in zip(users, families, strict=True)]
    log(f"{len(tokens)} bearer tokens in {time.perf_counter() - started:.1f} s.")
    return tokens


def punches_clear(tenant: Tenant) -> None:
    with schema_context(tenant.schema_name), connection.cursor() as cursor:
        cursor.execute("TRUNCATE timeclock_missingpunch, timeclock_punch, timeclock_historicalpunch")


def punches_count(tenant: Tenant) -> tuple[int, int]:
    with schema_context(tenant.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(DISTINCT user_id) FROM timeclock_punch")
        rows, people = cursor.fetchone()
    return int(rows), int(people)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def gunicorn_start(port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    # Persistent connections as production serves (config/settings/production.py: DB_CONN_MAX_AGE 60): a
    # new PostgreSQL connection per request (the development default, 0) costs more than the punch itself.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DEBUG": "false",
           "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "60")}  # fmt: skip
    command = [str(REPO_ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}",
               "-w", str(workers), "--threads", str(threads), "-k", "gthread", "--keep-alive", "30",
               "--log-level", "warning"]  # fmt: skip
    server = subprocess.Popen(command, cwd=REPO_ROOT, env=env, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:  # the first request of each worker also warms it up (imports, URL resolvers)
            requests.get(f"http://127.0.0.1:{port}/api/v1/", headers={"Host": HOST}, timeout=30)
            return server
        except requests.RequestException:
            time.sleep(0.5)
    gunicorn_stop(server)
    raise SystemExit("gunicorn did not start within 120 s")


def gunicorn_stop(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def warm(port: int, token: str, workers: int) -> None:
    """Reads and refused punches on many connections before the clock starts, so every worker has
    imported and compiled what a punch needs (the first request of a process is slow)."""
    headers = {"Host": HOST, "Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def one_connection(_: int) -> None:
        caller = Caller(port)
        for _ in range(10):
            caller.get("/api/v1/attendance/me/status/", headers)
            caller.post("/api/v1/attendance/punches/", b"{}", headers)  # 400: no client_id, nothing written

    with ThreadPoolExecutor(4 * workers) as pool:
        list(pool.map(one_connection, range(8 * workers)))


class Caller:
    """One keep-alive HTTP/1.1 connection per client thread, through the standard library's client: the
    load generator shares the machine's two cores with the server, so it should cost as little as it can."""

    def __init__(self, port: int) -> None:
        self.port, self.conn = port, None

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        return self.request("GET", path, None, headers)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        return self.request("POST", path, body, headers)

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
        for attempt in (1, 2):  # a keep-alive connection the server closed meanwhile: reconnect once
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def storm(port: int, tokens: list[str], *, seconds: float, clients: int, retry_share: float) -> dict[str, Any]:
    path = "/api/v1/attendance/punches/"
    rng = random.Random(15)
    local = threading.local()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    retried_same = [0]
    lock = threading.Lock()
    gap = seconds / len(tokens)
    # Bodies and headers are made before the clock starts.
    requests_planned = []
    for token in tokens:
        lat = SITE[0] + rng.uniform(-0.0005, 0.0005)
        body = {"client_id": str(uuid.uuid4()), "kind": "in", "lat": lat, "lng": SITE[1], "accuracy_m": 12,
                "device_time": datetime.datetime.now(datetime.UTC).isoformat(), "workplace": "BENCH-SITE"}  # fmt: skip
        headers = {"Host": HOST, "Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        requests_planned.append((json.dumps(body).encode(), headers, 2 if rng.random() < retry_share else 1))
    start = time.monotonic() + 0.5

    def send(index: int) -> None:
        caller = getattr(local, "caller", None)
        if caller is None:
            caller = local.caller = Caller(port)
        delay = start + index * gap - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        body, headers, tries = requests_planned[index]
        first_id = None
        for _ in range(tries):
            began = time.perf_counter()
            try:
                code, content = caller.post(path, body, headers)
                punch_id = json.loads(content).get("id") if code < 300 else None
            except (OSError, http.client.HTTPException, ValueError):
                code, punch_id = 0, None
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[code] = statuses.get(code, 0) + 1
                if first_id is not None and punch_id == first_id and code == 200:
                    retried_same[0] += 1
            first_id = first_id or punch_id

    began = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        for index, _ in enumerate(pool.map(send, range(len(tokens)))):
            if index and index % 1000 == 0:
                log(f"  {index} people answered after {time.monotonic() - began:.1f} s")
    return {"latencies": latencies, "statuses": statuses, "retries_same_punch": retried_same[0],
            "wall_seconds": round(time.monotonic() - began, 1)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=50.0, help="Spread the first requests over this long.")
    # Processes rather than threads: a punch is CPU-bound Python, and threads of one process take turns
    # on its interpreter lock (2 x 8 measured p95 ~180 ms where 4 x 2 measured ~60 ms on two cores).
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--clients", type=int, default=48)
    parser.add_argument("--retry-share", type=float, default=0.05)
    parser.add_argument("--drop", action="store_true", help="Drop the bench database afterwards.")
    args = parser.parse_args()

    tenant = platform_ensure()
    with schema_context(tenant.schema_name), transaction.atomic():
        site_ensure()
    users = people_ensure(tenant, args.people)
    punches_clear(tenant)
    tokens = tokens_issue(tenant, users)
    connection.close()

    port = free_port()
    log(f"gunicorn on 127.0.0.1:{port}: {args.workers} workers x {args.threads} threads ...")
    server = gunicorn_start(port, args.workers, args.threads)
    try:
        warm(port, tokens[0], args.workers)
        log(f"Storm: {len(tokens)} people over {args.seconds:.0f} s, {args.clients} client threads ...")
        result = storm(port, tokens, seconds=args.seconds, clients=args.clients, retry_share=args.retry_share)
    finally:
        gunicorn_stop(server)  # also on Ctrl-C (SIGINT): the server runs in a session of its own
    rows, people = punches_count(tenant)
    statuses = result["statuses"]
    errors = sum(count for code, count in statuses.items() if not 200 <= code < 300)
    figures = {
        "punches": rows,
        "duplicates": rows - people,
        "errors": errors,
        "p50_ms": round(percentile(result["latencies"], 50), 1),
        "p95_ms": round(percentile(result["latencies"], 95), 1),
        "p99_ms": round(percentile(result["latencies"], 99), 1),
        "requests": len(result["latencies"]),
        "retries_same_punch": result["retries_same_punch"],
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
        "wall_seconds": result["wall_seconds"],
        "gunicorn": f"{args.workers}x{args.threads}",
        "cpus": os.cpu_count(),
    }
    log(f"{rows} punches for {people} people; statuses {figures['statuses']}.")
    if args.drop:
        connection.close()
        BENCH.drop()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
