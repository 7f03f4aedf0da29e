"""Benchmark the staff tenant changelist with many tenants.

Run from the repository root:

    .venv/bin/python bench/admin_tenants.py [--tenants N] [--loads L]

It bulk-inserts N Tenant rows (default 10,000; rows only, no schemas: the changelist reads the
tenancy tables alone) with slugs `bench-adm-<random6>-<i>`, spread over the existing plans, and a
superuser with a TOTP factor (staff need one on the platform domain). Through the Django test
client, logged in with force_login, it loads /admin/tenancy/tenant/ once to warm up, then L times
(default 20), timing each load, and counts the queries of one load.

At the end, also after an error, Ctrl-C or SIGTERM, the bench tenant rows are deleted and the
bench user (bench-admin@bench.invalid, reused by every run: users cannot be deleted from the public
schema alone, guardian's per-schema tables are in their delete cascade) is logged out and deactivated.

Progress goes to stderr. The last line on stdout is one JSON object:
`{"tenants": N, "p50_ms": ..., "p95_ms": ..., "queries": ...}` (nearest-rank percentiles).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import secrets
import signal
import string
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import DatabaseError, connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.accounts.totp import totp_ensure  # noqa: E402
from apps.tenancy.models import Plan, Tenant, TenantStatus  # noqa: E402

EXIT_NOT_SET_UP = 2
URL = "/admin/tenancy/tenant/"
BENCH_EMAIL = "bench-admin@bench.invalid"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def _raise_interrupt(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


class Run:
    def __init__(self) -> None:
        token = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(6))
        self.slug_prefix = f"bench-adm-{token}-"
        self.http: Client | None = None

    def check_setup(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT to_regclass(%s)", [f"public.{Tenant._meta.db_table}"])
                present = cursor.fetchone()[0] is not None
        except DatabaseError as exc:
            log(f"Cannot reach the database ({exc}). Run `make run` or `manage.py platform_setup` first.")
            sys.exit(EXIT_NOT_SET_UP)
        if not present:
            log("The shared migrations have not run. Run `make run` or `manage.py platform_setup` first.")
            sys.exit(EXIT_NOT_SET_UP)

    def tenants_insert(self, count: int) -> None:
        plans = list(Plan.objects.all()) or [None]
        statuses = [TenantStatus.ACTIVE] * 8 + [TenantStatus.SUSPENDED, TenantStatus.ARCHIVED]
        rows = (
            Tenant(name=f"Bench tenant {i:05d}", slug=f"{self.slug_prefix}{i}",
                   schema_name=f"t_{self.slug_prefix.replace('-', '_')}{i}", plan=plans[i % len(plans)],
                   status=statuses[i % len(statuses)], current_users=i % 40, max_users=50)
            for i in range(count)
        )  # fmt: skip
        started = time.perf_counter()
        Tenant.objects.bulk_create(rows, batch_size=2000)
        log(f"Inserted {count} tenant rows in {time.perf_counter() - started:.1f} s.")

    def client(self) -> Client:
        # One reusable bench user: users are never deleted here (guardian's per-schema tables sit in
        # their delete cascade), so it is deactivated at the end and reactivated by the next run.
        user, _ = User.objects.update_or_create(
            email=BENCH_EMAIL, defaults={"is_active": True, "is_staff": True, "is_superuser": True,
                                         "full_name": "Bench admin (bench/admin_tenants.py)"},
        )  # fmt: skip
        totp_ensure(user)
        self.http = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
        self.http.force_login(user)
        return self.http

    def measure(self, client: Client, loads: int) -> tuple[list[float], int]:
        self.load(client)  # warm-up: template loading, content types, session
        with CaptureQueriesContext(connection) as queries:
            self.load(client)
        count = len(queries)  # now: the next request resets the connection's query log
        timings = []
        for _ in range(loads):
            started = time.perf_counter()
            self.load(client)
            timings.append((time.perf_counter() - started) * 1000)
        return timings, count

    def load(self, client: Client) -> None:
        response = client.get(URL)
        if response.status_code != 200:
            raise RuntimeError(f"GET {URL} answered {response.status_code}")
        connection.set_schema_to_public()

    def cleanup(self) -> None:
        with contextlib.suppress(DatabaseError):
            connection.close()
        connection.set_schema_to_public()
        table = connection.ops.quote_name(Tenant._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE starts_with(slug, %s)", [self.slug_prefix])
            tenants = cursor.rowcount
        if self.http is not None:
            self.http.logout()  # deletes its session row
        User.objects.filter(email=BENCH_EMAIL).update(is_active=False, is_staff=False, is_superuser=False)
        log(f"Cleanup: deleted {tenants} bench tenant row(s); deactivated {BENCH_EMAIL}.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=10_000, help="tenant rows to insert (default 10000)")
    parser.add_argument("--loads", type=int, default=20, help="timed changelist loads (default 20)")
    args = parser.parse_args(argv)
    run = Run()
    run.check_setup()
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        run.tenants_insert(args.tenants)
        timings, queries = run.measure(run.client(), args.loads)
    except KeyboardInterrupt:
        log("Interrupted; cleaning up ...")
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave half the run behind
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        run.cleanup()
    total = Tenant.objects.exclude(schema_name="public").filter(is_template=False).count()
    p50, p95 = percentile(timings, 50), percentile(timings, 95)
    log(f"Changelist over {args.loads} loads: p50 {p50:.1f} ms, p95 {p95:.1f} ms, {queries} queries per load.")
    result = {"tenants": args.tenants, "p50_ms": round(p50, 1), "p95_ms": round(p95, 1), "queries": queries,
              "loads": args.loads, "max_ms": round(max(timings), 1), "other_tenants": total,
              "percentile_method": "nearest-rank"}  # fmt: skip
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
