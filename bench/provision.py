"""Benchmark tenant provisioning: the real job path and the clone path versus the stock migrate path.

Run from the repository root:

    .venv/bin/python bench/provision.py [--jobs J] [--clones N] [--migrations M]

* Job path (J times, default 200): `apps.tenancy.lifecycle.tenant_request` (tenant row, job, audit)
  followed by the Celery task function `tenancy.provision_tenant` run in-process (no broker, no
  worker: the enqueue is replaced by a direct call), i.e. every registered provisioning step: clone,
  primary domain, security policy, root entity, first-admin invitation (email to the in-memory
  backend), mark active. Timed from the request to the job's end.
* Clone path (N times, default 0): `apps.tenancy.services.tenant_create`, the real service, timed
  end to end (tenant row + schema clone + constraint-name restore + domain + audit event).
* Migrate path (M times, default 1): what django-tenants does for `auto_create_schema=True`,
  i.e. `CREATE SCHEMA` + `migrate_schemas --tenant --schema=<name>`. With the standard executor
  and no multi-type tenants, django-tenants 4.0 only needs the schema to exist, so no Tenant row
  is registered for these schemas.

Progress and a human-readable summary go to stderr. The last line on stdout is one JSON object:
with jobs, `{"tenants", "job_p50_s", "job_p95_s", "migrate_p50_s", "speedup", ...extra fields}`
(speedup = migrate p50 / job p50); with `--jobs 0`, the clone-path object
`{"clone_p50_s", "clone_p95_s", "migrate_p50_s", "speedup", ...extra fields}`.
Percentiles use the nearest-rank method (the smallest sample with at least p% of samples at or
below it), so with M=2 the migrate p50 is the faster of the two runs.

Everything the run creates is removed at the end, also on failure, Ctrl-C or SIGTERM: its schemas
are dropped and its tenants deleted with every row that references them (domains, jobs and steps,
invitations, emails...). Audit events (append-only by trigger) and simple-history rows stay; audit
rows reference the tenant id without a database constraint.
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
from django.core.management import call_command  # noqa: E402
from django.db import DatabaseError, connection  # noqa: E402
from django_tenants.utils import schema_exists  # noqa: E402

from apps.tenancy import lifecycle  # noqa: E402
from apps.tenancy.models import Tenant, schema_name_for_slug  # noqa: E402
from apps.tenancy.schemas import schema_drop  # noqa: E402
from apps.tenancy.services import tenant_create, tenant_template_ensure  # noqa: E402
from apps.tenancy.tasks import provision_tenant  # noqa: E402

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

    def job(self, index: int) -> float:
        """tenant_request + the provisioning task, in-process; raises if the job did not succeed."""
        slug = f"{self.slug_prefix}j{index}"
        self.schemas.append(schema_name_for_slug(slug))
        started = time.perf_counter()
        job = lifecycle.tenant_request(
            name=f"Bench tenant {slug}", slug=slug, admin_email=f"admin@{slug}.bench.test", acting_user=None
        )
        outcome = provision_tenant(job.pk)
        elapsed = time.perf_counter() - started
        # A worker closes its connection after each task (CONN_MAX_AGE=0, Celery's Django fixup), so the
        # next job connects afresh, inside its timing. One session cloning schema after schema would
        # accumulate catalog caches and make each clone slower than a worker's.
        connection.close()
        if outcome != "succeeded":
            job.refresh_from_db()
            raise RuntimeError(f"Job {job.pk} for {slug} ended {outcome}: {job.error}")
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
        """Drop this run's schemas and delete its tenants with the rows referencing them (raw SQL: audit rows stay)."""
        with contextlib.suppress(DatabaseError):
            connection.close()  # a fresh connection: an interrupted query may have left this one unusable
        connection.set_schema_to_public()
        tenant_table = connection.ops.quote_name(Tenant._meta.db_table)
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
        deleted = _delete_referencing(Tenant._meta.db_table, "starts_with(slug, %s)", [self.slug_prefix])
        log(f"Cleanup: dropped {dropped} schema(s); deleted rows: {deleted}.")


def _references_to(table: str) -> list[tuple[str, str, str]]:
    """(table, column, referenced column) of the public tables with a foreign key to `table`."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT child.relname, a.attname, ra.attname
            FROM pg_constraint c
            JOIN pg_class child ON child.oid = c.conrelid
            JOIN pg_namespace n ON n.oid = child.relnamespace AND n.nspname = 'public'
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
            WHERE c.contype = 'f' AND c.confrelid = %s::regclass AND c.conrelid <> c.confrelid
            """,
            [f"public.{table}"],
        )
        return cursor.fetchall()


def _delete_referencing(table: str, condition: str, params: list[Any]) -> dict[str, int]:
    """Delete the rows of `table` matching `condition` and, first, every row referencing them."""
    counts: dict[str, int] = {}
    quoted = connection.ops.quote_name
    for child, column, referenced in _references_to(table):
        sub = f"{quoted(column)} IN (SELECT {quoted(referenced)} FROM {quoted(table)} WHERE {condition})"
        for name, count in _delete_referencing(child, sub, params).items():
            counts[name] = counts.get(name, 0) + count
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quoted(table)} WHERE {condition}", params)
        if cursor.rowcount:
            counts[table] = counts.get(table, 0) + cursor.rowcount
    return counts


def _stats(name: str, times: list[float]) -> dict[str, float | None]:
    return {
        f"{name}_p50_s": rounded(percentile(times, 50)),
        f"{name}_p95_s": rounded(percentile(times, 95)),
        f"{name}_max_s": rounded(max(times)) if times else None,
    }


def _measure(label: str, count: int, measure: Any, times: list[float]) -> None:
    for i in range(count):
        elapsed = measure(i)
        times.append(elapsed)
        log(f"  {label:<7} {i + 1:>4}/{count}  {elapsed:8.3f} s")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=200, help="tenants provisioned through the job path (default 200)")
    parser.add_argument("--clones", type=int, default=0, help="tenants provisioned by tenant_create (default 0)")
    parser.add_argument("--migrations", type=int, default=1, help="schemas provisioned by migrating (default 1)")
    args = parser.parse_args(argv)
    if min(args.jobs, args.clones, args.migrations) < 0 or args.jobs + args.clones < 1:
        parser.error("counts cannot be negative, and --jobs or --clones must be at least 1")
    return args


def _result(jobs: list[float], clones: list[float], migrations: list[float]) -> dict[str, Any]:
    migrate_p50 = percentile(migrations, 50)
    base = percentile(jobs, 50) if jobs else percentile(clones, 50)
    speedup = rounded(migrate_p50 / base, 3) if migrate_p50 is not None and base else None
    extra = {"clones": len(clones), "migrations": len(migrations),
             "migrate_max_s": rounded(max(migrations), 3) if migrations else None,
             "percentile_method": "nearest-rank"}  # fmt: skip
    if not jobs:  # the original clone-path output
        clone = _stats("clone", clones)
        return {"clone_p50_s": clone["clone_p50_s"], "clone_p95_s": clone["clone_p95_s"],
                "migrate_p50_s": rounded(migrate_p50, 3), "speedup": speedup,
                "clone_max_s": clone["clone_max_s"], **extra}  # fmt: skip
    job = _stats("job", jobs)
    return {"tenants": len(jobs), "job_p50_s": job["job_p50_s"], "job_p95_s": job["job_p95_s"],
            "migrate_p50_s": rounded(migrate_p50, 3), "speedup": speedup, "job_max_s": job["job_max_s"],
            **(_stats("clone", clones) if clones else {}), **extra}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    run = Run()
    run.check_setup()
    # The job path runs the task in this process; invitation emails go to memory, not the console.
    lifecycle._enqueue_provisioning = lambda job_id: None  # type: ignore[assignment]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    signal.signal(signal.SIGTERM, _raise_interrupt)
    job_times: list[float] = []
    clone_times: list[float] = []
    migrate_times: list[float] = []
    try:
        log(f"Job path: {args.jobs} tenant(s) through tenant_request + tenancy.provision_tenant")
        _measure("job", args.jobs, run.job, job_times)
        log(f"Clone path: {args.clones} tenant(s) through tenant_create")
        _measure("clone", args.clones, run.clone, clone_times)
        log(f"Migrate path: {args.migrations} schema(s) through CREATE SCHEMA + migrate_schemas (slow)")
        _measure("migrate", args.migrations, run.migrate, migrate_times)
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
    result = _result(job_times, clone_times, migrate_times)
    log("Summary: " + ", ".join(f"{key}={value}" for key, value in result.items()))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
