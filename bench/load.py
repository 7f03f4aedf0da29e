"""Load test: 1,000 virtual users across 20 tenants and one platform staff member, driven by Locust headless.

Run from the repository root with the environment of the stack under test (its settings module, SECRET_KEY
and DATABASE_URL: the bearer tokens and session cookies this script makes must be valid there):

    set -a; source .data/services.env; set +a
    .venv/bin/python bench/load.py [--users 1000] [--spawn-rate 20] [--duration 300] [--host 127.0.0.1]
                                   [--port 8000] [--tenants 20] [--admins 5] [--field 40] [--no-setup]

1. Setup (bench/load_seed.py, idempotent; about a minute the first time, seconds after): tenants
   `load-01`..`load-NN` with admins, field staff, a site, a published roster, tasks with checklists, a
   published form, a chat channel and an API key each, and a platform staff user with a TOTP factor; then
   fresh credentials (bearer tokens, session cookies, API keys) in .data/load/actors.json.
2. Probe: every request type once in-process (Django's test client, the same database) with its queries
   counted (`CaptureQueriesContext`): the "queries per request" column. The server's own count would need
   a middleware in the stack; this replays the same requests through the same code instead.
3. Run: `locust -f bench/load_locust.py --headless` against http://HOST:PORT for --duration seconds
   (think time 1-5 s per user, FastHttpUser), with PostgreSQL's pg_stat_database counters of the database
   read before and after (transactions and rows per request over the whole run, background work included).
4. Report: per request type p50/p95/p99, errors and requests per second in docs/bench/load.csv and
   load.json, a chart in docs/bench/load.svg, a Markdown table on stderr. The last stdout line is one JSON
   object: {"users", "requests", "errors", "p50_ms", "p95_ms", "p99_ms", "rps"}.

The access tokens live ACCESS_TOKEN_LIFETIME_MINUTES (15 by default): runs longer than that minus the
setup are refused before they start. Validate with small runs (`--users 50 --duration 30`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
for entry in (REPO_ROOT, REPO_ROOT / "bench"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from load_report import (  # noqa: E402
    csv_write,
    exceptions_read,
    failures_read,
    json_write,
    stats_read,
    svg_write,
    table,
)
from load_seed import log, seed, sessions_end  # noqa: E402

from apps.tokens.access_tokens import access_token_lifetime  # noqa: E402

WORK = REPO_ROOT / ".data" / "load"
LOCUSTFILE = REPO_ROOT / "bench" / "load_locust.py"
DEFAULT_OUT = REPO_ROOT / "docs" / "bench"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000, help="virtual users (default 1000)")
    parser.add_argument("--spawn-rate", type=float, default=20.0, help="users started per second (default 20)")
    parser.add_argument("--duration", type=int, default=300, help="seconds of load after the start (default 300)")
    parser.add_argument("--host", default="127.0.0.1", help="address of the running stack (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="its HTTP port (default 8000)")
    parser.add_argument("--tenants", type=int, default=20, help="tenants load-01.. (default 20)")
    parser.add_argument("--admins", type=int, default=5, help="tenant admins per tenant (default 5)")
    parser.add_argument("--field", type=int, default=40, help="field staff per tenant (default 40)")
    parser.add_argument("--wait", default="1,5", help="think time in seconds, min,max (default 1,5)")
    parser.add_argument("--no-setup", action="store_true", help="reuse .data/load/actors.json as it is")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where load.csv/json/svg go (docs/bench)")
    args = parser.parse_args()
    checks = [
        (args.users >= 1, "--users must be at least 1"),
        (args.spawn_rate > 0, "--spawn-rate must be positive"),
        (args.duration >= 5, "--duration must be at least 5 seconds"),
        (1 <= args.tenants <= 99, "--tenants must be between 1 and 99"),
        (args.admins >= 1 and args.field >= 1, "--admins and --field must be at least 1"),
        (len(args.wait.split(",")) == 2, "--wait is min,max in seconds, e.g. 1,5"),
    ]
    for ok, message in checks:
        if not ok:
            parser.error(message)
    return args


def lifetime_check(args: argparse.Namespace, issued_at: float) -> None:
    """Bearer tokens are not refreshed by the virtual users: the whole run must fit in what is left of
    their lifetime (they were issued when the setup started)."""
    needed = args.duration + args.users / args.spawn_rate + 60
    left = access_token_lifetime().total_seconds() - (time.time() - issued_at)
    if needed > left:
        raise SystemExit(
            f"A run of {needed:.0f} s (spawn + duration + a minute) outlives the access tokens ({max(left, 0):.0f} s "
            "left): run the setup again (without --no-setup), shorten --duration, or raise "
            "ACCESS_TOKEN_LIFETIME_MINUTES / the tokens.access_minutes setting."
        )


def actors_ready(args: argparse.Namespace) -> dict[str, Any]:
    path = WORK / "actors.json"
    if args.no_setup:
        if not path.exists():
            raise SystemExit(f"--no-setup: {path} does not exist; run once without --no-setup.")
        return dict(json.loads(path.read_text()))
    started = time.perf_counter()
    log(f"Setting up {args.tenants} tenants ({args.admins} admins, {args.field} field staff each) ...")
    if path.exists():
        sessions_end(json.loads(path.read_text()))
    actors = {"issued_at": time.time()}
    actors.update(seed(tenants=args.tenants, admins=args.admins, field_count=args.field))
    WORK.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(actors))
    path.chmod(0o600)  # live credentials
    log(f"Setup done in {time.perf_counter() - started:.1f} s.")
    return actors


def probe_requests(actors: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any] | None, dict[str, str]]]:
    """(name, method, path, JSON body, headers) of each request type, as bench/load_locust.py sends them."""
    from load_pages import ADMIN_PAGES, PORTAL_PAGES

    tenant = actors["tenants"][0]
    me = tenant["field_staff"][-1]  # the last person: virtual users take the first ones
    task, item = me["tasks"][0]["id"], me["tasks"][0]["items"][0]
    lat, lng = actors["site_position"]
    cookie = actors["session_cookie"]
    field = {"HTTP_HOST": tenant["host"], "HTTP_AUTHORIZATION": f"Bearer {me['token']}"}
    key = {"HTTP_HOST": tenant["host"], "HTTP_AUTHORIZATION": f"Api-Key {tenant['api_key']}"}
    admin = {"HTTP_HOST": tenant["host"], "HTTP_COOKIE": f"{cookie}={tenant['admin_sessions'][0]}"}
    staff = {"HTTP_HOST": actors["platform_host"], "HTTP_COOKIE": f"{cookie}={actors['staff_session']}"}
    channel = f"/api/v1/chat/channels/{tenant['channel']}/messages/"
    submission = {"template": tenant["form"], "workplace": tenant["site"], "answers": {"note": "ok", "count": 1}}
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    punch = {"device_time": now, "lat": lat, "lng": lng, "accuracy_m": 10, "workplace": tenant["site"]}
    return [
        ("field: GET attendance status", "GET", "/api/v1/attendance/me/status/", None, field),
        ("field: GET my shifts", "GET", f"/api/v1/attendance/me/shifts/?from={now[:10]}&to={now[:10]}", None, field),
        ("field: POST punch in", "POST", "/api/v1/attendance/punches/", {**punch, "kind": "in"}, field),
        ("field: POST punch out", "POST", "/api/v1/attendance/punches/", {**punch, "kind": "out"}, field),
        ("field: GET my tasks today", "GET", f"/api/v1/tasks/me/today/?lat={lat}&lng={lng}", None, field),
        ("field: POST checklist tick", "POST", f"/api/v1/tasks/{task}/checklist/{item}/tick/", None, field),
        ("field: POST checklist untick", "POST", f"/api/v1/tasks/{task}/checklist/{item}/untick/", None, field),
        ("field: POST form submission", "POST", "/api/v1/reports/forms/submissions/", submission, field),
        ("field: GET chat messages", "GET", f"{channel}?page_size=30", None, field),
        ("field: POST chat message", "POST", channel, {"body": "On my way"}, field),
        ("integrator: GET tasks", "GET", "/api/v1/tasks/?page_size=50", None, key),
        ("integrator: GET people", "GET", "/api/v1/people/?page_size=50", None, key),
        ("integrator: PATCH task", "PATCH", f"/api/v1/tasks/{task}/", {"description": "Synced"}, key),
        ("integrator: PATCH person", "PATCH", f"/api/v1/people/{tenant['people'][0]}/", {"job_title": "Picker"}, key),
        *[(f"admin: portal {label}", "GET", path.format(channel=tenant["channel"]), None, admin)
          for path, label in PORTAL_PAGES],
        *[(f"staff: admin {label}", "GET", path, None, staff) for path, label in ADMIN_PAGES],
    ]  # fmt: skip


def probe_one(client: Client, method: str, path: str, body: dict[str, Any] | None, extra: dict[str, str]) -> int:
    if body is not None and "client_id" not in body and method == "POST":
        body = {**body, "client_id": str(uuid.uuid4())}
    data = json.dumps(body) if body is not None else None
    options: dict[str, Any] = {**extra, **({"content_type": "application/json"} if data is not None else {})}
    answer = client.generic(method, path, data or "", secure=True, **options)
    return int(answer.status_code)


def probe(actors: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Queries of each request type, counted on a second pass over them all: the first fills per-process
    caches, and both passes clock in then out (and tick then untick), so each counted punch is accepted."""
    client, counts, requests = Client(raise_request_exception=False), {}, probe_requests(actors)
    for _name, method, path, body, extra in requests:
        probe_one(client, method, path, body, extra)
    for name, method, path, body, extra in requests:
        with CaptureQueriesContext(connection) as captured:
            status = probe_one(client, method, path, body, extra)
        counts[name] = {"queries": len(captured), "status": status}
        if status >= 400:
            log(f"  probe: {name} answered {status} (the load run will count these as errors)")
    return counts


DB_COUNTERS = (
    "SELECT xact_commit + xact_rollback, tup_returned, tup_fetched, tup_inserted + tup_updated + tup_deleted "
    "FROM pg_stat_database WHERE datname = current_database()"
)


def db_counters() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(DB_COUNTERS)
        row = cursor.fetchone()
    connection.close()  # no idle connection held through the run
    return dict(zip(("transactions", "rows_returned", "rows_fetched", "rows_written"), map(int, row), strict=True))


def locust_run(args: argparse.Namespace, prefix: Path) -> float:
    """Run Locust; returns the CPU seconds it used (user + system), to show the generator's headroom."""
    wait_min, wait_max = args.wait.split(",")
    command = [
        str(REPO_ROOT / ".venv" / "bin" / "locust"), "-f", str(LOCUSTFILE), "--headless",
        "--users", str(args.users), "--spawn-rate", str(args.spawn_rate), "--run-time", f"{args.duration}s",
        "--host", f"http://{args.host}:{args.port}", "--csv", str(prefix), "--only-summary",
        "--stop-timeout", "10", "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip
    env = {**os.environ, "LOAD_ACTORS": str(WORK / "actors.json"), "LOAD_WAIT_MIN": wait_min,
           "LOAD_WAIT_MAX": wait_max}  # fmt: skip
    log(f"Running Locust: {args.users} users, {args.spawn_rate}/s, {args.duration} s against {args.host}:{args.port}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with (WORK / "locust.log").open("w") as output:
        finished = subprocess.run(command, cwd=REPO_ROOT, env=env, stdout=output, stderr=output, check=False)  # noqa: S603
    if finished.returncode != 0:
        raise SystemExit(f"Locust exited with {finished.returncode}; see {WORK / 'locust.log'}.")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def generator_saturated() -> bool:
    """Whether Locust warned that its own CPU passed 90 %: then latencies are partly the generator's."""
    log_path = WORK / "locust.log"
    saturated = log_path.exists() and "CPU usage above" in log_path.read_text()
    if saturated:
        log("WARNING: the load generator's CPU passed 90 % (see the Locust log): the latencies are partly its own.")
    return saturated


def per_request(before: dict[str, int], after: dict[str, int], requests: int) -> dict[str, float]:
    return {f"{k}_per_request": round((after[k] - before[k]) / max(requests, 1), 2) for k in before}


def report(
    args: argparse.Namespace, prefix: Path, probed: dict[str, dict[str, int]], db: dict[str, Any]
) -> dict[str, Any]:
    rows, total = stats_read(Path(f"{prefix}_stats.csv"))
    for row in rows:
        row.queries = probed.get(row.name, {}).get("queries")
    args.out.mkdir(parents=True, exist_ok=True)
    csv_write(args.out / "load.csv", rows, total)
    title = f"Load test: {args.users} users, {args.duration} s, {total.requests} requests, {total.rps:g} req/s"
    svg_write(args.out / "load.svg", rows, title)
    exceptions = exceptions_read(Path(f"{prefix}_exceptions.csv"))
    errors = total.errors + sum(e["count"] for e in exceptions)  # a scenario that crashed is an error too
    summary = {"users": args.users, "requests": total.requests, "errors": errors, "p50_ms": total.p50_ms,
               "p95_ms": total.p95_ms, "p99_ms": total.p99_ms, "rps": total.rps}  # fmt: skip
    full = {
        "summary": summary, "duration_s": args.duration, "spawn_rate": args.spawn_rate, "wait_s": args.wait,
        "tenants": args.tenants, "target": f"{args.host}:{args.port}", "settings": settings.SETTINGS_MODULE,
        "database": {k: v for k, v in db.items() if k != "generator"}, "generator": db.get("generator"),
        "types": [vars(r) for r in rows], "failures": failures_read(Path(f"{prefix}_failures.csv")),
        "exceptions": exceptions,
        "generator_cpu_saturated": generator_saturated(),
        "percentile_method": "Locust's response-time histogram (values above 100 ms rounded to 2 significant digits)",
    }  # fmt: skip
    json_write(args.out / "load.json", full)
    log(table(rows, total))
    for failure in full["failures"]:
        log(f"  failure x{failure['occurrences']}: {failure['name']}: {failure['error']}")
    for exception in exceptions:
        log(f"  exception in the scenario x{exception['count']}: {exception['message']} (see the Locust log)")
    log(f"Database and load generator over the run: {db}")
    return summary


def main() -> None:
    args = arguments()
    lifetime_check(args, time.time())  # refuse a run too long for any token before the setup starts
    actors = actors_ready(args)
    lifetime_check(args, float(actors.get("issued_at", 0)))
    probed = probe(actors)
    prefix = WORK / "locust"
    before = db_counters()
    generator_cpu_s = locust_run(args, prefix)
    time.sleep(2)  # backends flush their statistics at most once a second
    after = db_counters()
    _rows, total = stats_read(Path(f"{prefix}_stats.csv"))
    db = {"delta": {k: after[k] - before[k] for k in before}, **per_request(before, after, total.requests)}
    # Locust's CPU (its start-up included): cores_used near 1 would make the latencies partly its own.
    per_request_ms = round(1000 * generator_cpu_s / max(total.requests, 1), 3)
    generator = {"cpu_s": round(generator_cpu_s, 2), "cpu_ms_per_request": per_request_ms,
                 "cores_used": round(generator_cpu_s / args.duration, 3)}  # fmt: skip
    summary = report(args, prefix, probed, {**db, "generator": generator})
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
