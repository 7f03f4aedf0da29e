"""Benchmark the per-tenant timeline: first page and a deep page of one tenant among millions of rows.

Run from the repository root, with the services' environment:

    set -a; source .data/services.env; set +a
    .venv/bin/python bench/timeline.py [--rows 2000000] [--tenants 100] [--runs 50] [--rebuild] [--drop]

It uses its own database (`nf_bench_timeline` on the server of DATABASE_URL; BENCH_DATABASE_NAME
overrides), created and migrated (shared apps only) with the test settings on the first run. The
data is loaded once with set-based SQL (INSERT ... SELECT generate_series) and reused by later runs
with the same --rows/--tenants; --rebuild reloads it. Rows: 75 % audit events (each tenant its own
chain of sequence numbers; the append-only triggers are disabled for the bulk load and re-enabled,
in the bench database only; the hashes are placeholders, this measures reads) and 25 % Tenant history
rows, spread over two years, across --tenants tenants (Tenant rows only, no schema).

Then it times `timeline_page(tenant=..., audience="staff", limit=50)` --runs times for the first
page and for a deep page (a cursor ~90 % of the way back), and counts the queries of each.
Progress goes to stderr; the last line on stdout is one JSON object:
`{"rows", "timeline_p95_ms", "queries", "first_page_p95_ms", "deep_page_p95_ms", ...}`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchdb import BenchDatabase, log  # noqa: E402

BENCH = BenchDatabase("nf_bench_timeline")
BENCH_DATABASE = BENCH.name
database_ensure, database_drop = BENCH.ensure, BENCH.drop

SLUG_PREFIX = "bt-"
SPAN_SECONDS = 2 * 365 * 24 * 3600
NOW = datetime(2026, 11, 1, tzinfo=UTC)
# The bench tenants' ids (UUIDs) as one array, so row g belongs to tenant ids[1 + g % n].
TENANT_IDS = f"(SELECT array_agg(id ORDER BY id) AS ids FROM tenancy_tenant WHERE slug LIKE '{SLUG_PREFIX}%') AS t"


database_ensure()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from apps.tenancy.models import Tenant, schema_name_for_slug  # noqa: E402
from apps.timeline.selectors import timeline_page  # noqa: E402
from apps.timeline.sources import Cursor  # noqa: E402


def platform_ensure() -> None:
    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    log(f"Database ready in {time.perf_counter() - started:.1f} s.")


def _filler(table: str, given: dict[str, str]) -> dict[str, str]:
    """Values for the NOT NULL columns without a default that `given` does not cover (other apps' fields)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
            "AND table_schema = 'public' AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'",
            [table],
        )
        rows = cursor.fetchall()
    numeric = ("integer", "smallint", "bigint", "numeric", "double precision", "real")
    extra = {}
    for column, data_type in rows:
        if column not in given:
            extra[column] = "0" if data_type in numeric else "false" if data_type == "boolean" else "''"
    return {**given, **extra}


def _insert(table: str, values: dict[str, str], source: str) -> None:
    values = _filler(table, values)
    columns = ", ".join(f'"{name}"' for name in values)
    with connection.cursor() as cursor:
        cursor.execute(f'INSERT INTO "{table}" ({columns}) SELECT {", ".join(values.values())} {source}')


def build(rows: int, n_tenants: int) -> None:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute("TRUNCATE audit_auditevent")
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
        cursor.execute("TRUNCATE tenancy_historicaltenant")
        cursor.execute("DELETE FROM tenancy_tenant WHERE slug LIKE %s", [f"{SLUG_PREFIX}%"])
    Tenant.objects.bulk_create(
        [
            Tenant(
                name=f"Bench timeline {n}",
                slug=f"{SLUG_PREFIX}{n}",
                schema_name=schema_name_for_slug(f"{SLUG_PREFIX}{n}"),
                status=Tenant.Status.ACTIVE,
            )
            for n in range(n_tenants)
        ]
    )
    audit_rows, history_rows = rows * 3 // 4, rows - rows * 3 // 4
    now = f"'{NOW.isoformat()}'::timestamptz"
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
    _insert("audit_auditevent", {
        "uuid": "gen_random_uuid()", "chain": f"(t.ids[1 + g % {n_tenants}])::text",
        "sequence": f"g / {n_tenants} + 1", "tenant_id": f"t.ids[1 + g % {n_tenants}]",
        "actor_label": "'system'", "action": "'bench.' || (g % 7)", "target_type": "'bench.thing'",
        "target_id": "(g % 1000)::text", "user_agent": "''", "correlation_id": "'bench-' || (g / 3)",
        "created_at": f"{now} - ((g::bigint * 7919) % {SPAN_SECONDS}) * interval '1 second'",
        "prev_hash": "md5('p' || g)", "hash": "md5('h' || g)",
    }, f"FROM generate_series(0, {audit_rows - 1}) AS g CROSS JOIN {TENANT_IDS}")  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
    _history(history_rows, n_tenants, now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"Loaded {audit_rows} audit and {history_rows} history rows in {time.perf_counter() - started:.1f} s.")


def _history(history_rows: int, n_tenants: int, now: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'tenancy_tenant'")
        tenant_columns = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'tenancy_historicaltenant'"
        )
        history_columns = [row[0] for row in cursor.fetchall()]
    values = {column: f'tt."{column}"' for column in history_columns if column in tenant_columns}
    values |= {
        "history_date": f"{now} - ((g::bigint * 104729) % {SPAN_SECONDS}) * interval '1 second'",
        "history_type": "'~'", "correlation_id": "'bench-h-' || (g / 2)",
    }  # fmt: skip
    values.pop("history_id", None)
    source = (f"FROM generate_series(0, {history_rows - 1}) AS g CROSS JOIN {TENANT_IDS} "
              f"JOIN tenancy_tenant tt ON tt.id = t.ids[1 + g % {n_tenants}]")  # fmt: skip
    _insert("tenancy_historicaltenant", values, source)


def loaded(rows: int, n_tenants: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM audit_auditevent) + (SELECT count(*) FROM tenancy_historicaltenant)"
        )
        total = cursor.fetchone()[0]
    return total == rows and Tenant.objects.filter(slug__startswith=SLUG_PREFIX).count() == n_tenants


def measure(tenant: Tenant, runs: int, cursor: Cursor | None) -> tuple[float, int, int]:
    """p95 in ms over `runs`, the query count of one call and the entries returned."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        timeline_page(tenant=tenant, cursor=cursor, limit=50)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        page = timeline_page(tenant=tenant, cursor=cursor, limit=50)
    p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) >= 2 else timings[0]
    return p95, len(captured.captured_queries), len(page.entries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--rebuild", action="store_true", help="reload the rows even if they are there")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    args = parser.parse_args(argv)
    platform_ensure()
    if args.rebuild or not loaded(args.rows, args.tenants):
        build(args.rows, args.tenants)
    tenant = Tenant.objects.filter(slug__startswith=SLUG_PREFIX).order_by("id").first()
    assert tenant is not None
    timeline_page(tenant=tenant, limit=50)  # warm up
    first_p95, first_queries, first_entries = measure(tenant, args.runs, None)
    deep = Cursor(timestamp=NOW - timedelta(seconds=SPAN_SECONDS * 0.9), source="history_tenant", id=2**62)
    deep_p95, deep_queries, deep_entries = measure(tenant, args.runs, deep)
    log(f"First page p95 {first_p95:.1f} ms ({first_queries} queries); deep page p95 {deep_p95:.1f} ms "
        f"({deep_queries} queries).")  # fmt: skip
    result = {
        "rows": args.rows,
        "timeline_p95_ms": round(max(first_p95, deep_p95), 1),
        "queries": first_queries,
        "first_page_p95_ms": round(first_p95, 1),
        "deep_page_p95_ms": round(deep_p95, 1),
        "deep_page_queries": deep_queries,
        "queries_constant": first_queries == deep_queries,
        "tenants": args.tenants,
        "runs": args.runs,
        "entries_per_page": [first_entries, deep_entries],
    }
    if args.drop:
        connection.close()
        database_drop()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
