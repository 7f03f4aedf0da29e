"""Benchmark tenant provisioning: clone of the template schema versus the stock migrate path.

Run from the repository root:

    .venv/bin/python bench/provision.py [--clones N] [--migrations M]

* Clone path (N times, default 20): `apps.tenancy.services.tenant_create`, the real service, timed
  end to end (tenant row + schema clone + constraint-name restore + domain + audit event).
* Migrate path (M times, default 2): what django-tenants does for `auto_create_schema=True`,
  i.e. `CREATE SCHEMA` + `migrate_schemas --tenant --schema=<name>`. With the standard executor
  and no multi-type tenants, django-tenants 4.0 only needs the schema to exist, so no Tenant row
  is registered for these schemas.

Progress and a human-readable summary go to stderr. The last line on stdout is one JSON object:
`{"clone_p50_s", "clone_p95_s", "migrate_p50_s", "speedup", ...extra fields}`.
Percentiles use the nearest-rank method (the smallest sample with at least p% of samples at or
below it), so with M=2 the migrate p50 is the faster of the two runs.

Everything the run creates is removed at the end, also on failure, Ctrl-C or SIGTERM: its schemas
are dropped and its Domain and Tenant rows deleted. Audit events (append-only by trigger) and
simple-history rows stay; audit rows reference the tenant id without a database constraint.
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

from django.core.management import call_command  # noqa: E402
from django.db import DatabaseError, connection  # noqa: E402
from django_tenants.utils import schema_exists  # noqa: E402

from apps.tenancy.models import Domain, Tenant, schema_name_for_slug  # noqa: E402
from apps.tenancy.schemas import schema_drop  # noqa: E402
from apps.tenancy.services import tenant_create, tenant_template_ensure  # noqa: E402

EXIT_NOT_SET_UP = 2


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(samples: list[float], p: float) -> float | None:
    """Nearest-rank percentile: the ceil(p/100 * n)-th smallest sample (1-based)."""
    if not samples:
        return None
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _raise_interrupt(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


class Run:
    """One benchmark run; every name it creates starts with a per-run token."""

    def __init__(self) -> None:
        token = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(6))
        self.slug_prefix = f"bench-{token}-"
        self.clone_schema_prefix = schema_name_for_slug(self.slug_prefix)  # t_bench_<token>_
        self.migrate_schema_prefix = f"bench_migrate_{token}_"
        self.schemas: list[str] = []

    # -- preconditions -------------------------------------------------------------------------

    def check_setup(self) -> None:
        table = Tenant._meta.db_table
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT to_regclass(%s)", [f"public.{table}"])
                present = cursor.fetchone()[0] is not None
        except DatabaseError as exc:
            log(f"Cannot reach the database ({exc}).")
            log("Start the services and set up the platform first: `make run` or `manage.py platform_setup`.")
            sys.exit(EXIT_NOT_SET_UP)
        if not present:
            log(f"The table public.{table} does not exist: the shared migrations have not run.")
            log("Set up the platform first: `make run` or `.venv/bin/python manage.py platform_setup`.")
            sys.exit(EXIT_NOT_SET_UP)
        template = Tenant.objects.filter(is_template=True).first()
        if template is None or not schema_exists(template.schema_name):
            log("The template schema is missing; creating it with tenant_template_ensure() (this migrates it) ...")
            started = time.perf_counter()
            tenant_template_ensure()
            log(f"Template ready in {time.perf_counter() - started:.1f} s.")

    # -- the two paths -------------------------------------------------------------------------

    def clone(self, index: int) -> float:
        slug = f"{self.slug_prefix}{index}"
        self.schemas.append(schema_name_for_slug(slug))
        started = time.perf_counter()
        tenant_create(name=f"Bench tenant {slug}", slug=slug, acting_user=None)
        elapsed = time.perf_counter() - started
        connection.set_schema_to_public()
        return elapsed

    def migrate(self, index: int) -> float:
        schema = f"{self.migrate_schema_prefix}{index}"
        self.schemas.append(schema)
        connection.set_schema_to_public()
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{schema}"')
        call_command("migrate_schemas", tenant=True, schema_name=schema, interactive=False, verbosity=0)
        elapsed = time.perf_counter() - started
        connection.set_schema_to_public()
        return elapsed

    # -- cleanup -------------------------------------------------------------------------------

    def cleanup(self) -> None:
        """Drop this run's schemas and delete its Domain and Tenant rows (raw SQL: the audit FK is PROTECT)."""
        with contextlib.suppress(DatabaseError):
            connection.close()  # a fresh connection: an interrupted query may have left this one unusable
        connection.set_schema_to_public()
        tenant_table = connection.ops.quote_name(Tenant._meta.db_table)
        domain_table = connection.ops.quote_name(Domain._meta.db_table)
        domain_fk = connection.ops.quote_name(Domain._meta.get_field("tenant").column)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s) OR starts_with(nspname, %s)",
                [self.clone_schema_prefix, self.migrate_schema_prefix],
            )
            schemas = set(self.schemas) | {row[0] for row in cursor.fetchall()}
            cursor.execute(f"SELECT schema_name FROM {tenant_table} WHERE starts_with(slug, %s)", [self.slug_prefix])
            schemas |= {row[0] for row in cursor.fetchall()}
        dropped = 0
        for schema in sorted(schemas):
            if schema_exists(schema):
                schema_drop(schema)
                dropped += 1
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {domain_table} WHERE {domain_fk} IN "
                f"(SELECT id FROM {tenant_table} WHERE starts_with(slug, %s))",
                [self.slug_prefix],
            )
            domains = cursor.rowcount
            cursor.execute(f"DELETE FROM {tenant_table} WHERE starts_with(slug, %s)", [self.slug_prefix])
            tenants = cursor.rowcount
        log(f"Cleanup: dropped {dropped} schema(s), deleted {domains} domain(s) and {tenants} tenant row(s).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clones", type=int, default=20, help="tenants provisioned by cloning (default 20)")
    parser.add_argument("--migrations", type=int, default=2, help="schemas provisioned by migrating (default 2)")
    args = parser.parse_args(argv)
    if args.clones < 1 or args.migrations < 0:
        parser.error("--clones must be at least 1 and --migrations at least 0")

    run = Run()
    run.check_setup()
    signal.signal(signal.SIGTERM, _raise_interrupt)
    clone_times: list[float] = []
    migrate_times: list[float] = []
    try:
        log(f"Clone path: {args.clones} tenant(s) through tenant_create (slugs {run.slug_prefix}<i>)")
        for i in range(args.clones):
            elapsed = run.clone(i)
            clone_times.append(elapsed)
            log(f"  clone   {i + 1:>3}/{args.clones}  {run.slug_prefix}{i:<4}  {elapsed:8.3f} s")
        if args.migrations:
            log(f"Migrate path: {args.migrations} schema(s) through CREATE SCHEMA + migrate_schemas (slow)")
        for i in range(args.migrations):
            log(f"  migrate {i + 1:>3}/{args.migrations}  {run.migrate_schema_prefix}{i} ...")
            elapsed = run.migrate(i)
            migrate_times.append(elapsed)
            log(f"  migrate {i + 1:>3}/{args.migrations}  {run.migrate_schema_prefix}{i:<4}  {elapsed:8.3f} s")
    except KeyboardInterrupt:
        log("Interrupted; cleaning up ...")
        return_code = 130
    else:
        return_code = 0
    finally:
        # Do not let a second Ctrl-C leave half of the run behind.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            run.cleanup()
        finally:
            signal.signal(signal.SIGINT, previous)
    if return_code:
        return return_code

    clone_p50, clone_p95 = percentile(clone_times, 50), percentile(clone_times, 95)
    migrate_p50 = percentile(migrate_times, 50)
    speedup = migrate_p50 / clone_p50 if migrate_p50 is not None and clone_p50 else None
    log(
        f"Clone:   n={len(clone_times)}  p50={clone_p50:.3f} s  p95={clone_p95:.3f} s  "
        f"min={min(clone_times):.3f} s  max={max(clone_times):.3f} s"
    )
    if migrate_times:
        log(
            f"Migrate: n={len(migrate_times)}  p50={migrate_p50:.3f} s  "
            f"min={min(migrate_times):.3f} s  max={max(migrate_times):.3f} s"
        )
        log(f"Speedup (migrate p50 / clone p50): {speedup:.1f}x")
    result = {
        "clone_p50_s": rounded(clone_p50),
        "clone_p95_s": rounded(clone_p95),
        "migrate_p50_s": rounded(migrate_p50, 3),
        "speedup": rounded(speedup, 3),
        "clones": len(clone_times),
        "migrations": len(migrate_times),
        "clone_max_s": rounded(max(clone_times)),
        "migrate_max_s": rounded(max(migrate_times), 3) if migrate_times else None,
        "percentile_method": "nearest-rank",
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
