"""Benchmark the all-schemas migrate command when nothing is pending.

Run from the repository root:

    .venv/bin/python bench/migrate_noop.py [N] [--jobs J] [--keep]

With N tenant schemas in the database (default 1000: existing tenants count, bench tenants make
up the rest), it times `manage.py migrate_tenants`, the command `platform_setup` (hence `make run`)
and deployments use, as a separate process, so Django start-up is included.

* Before timing, `migrate_tenants` runs once in-process (untimed) so nothing is pending, and the
  template is current before anything is cloned from it.
* Missing bench tenants are created quickly: Tenant rows (bulk insert, slug `bench-noop-<i>`) and
  their schemas, J at a time (default 2), from one `pg_dump --schema=<template> --inserts` of the
  template with the schema name replaced: the same tables, indexes, constraints and migration rows
  as a clone. `--clone` uses `apps.tenancy.schemas.schema_clone` instead, the provisioning path,
  but django-tenants' `clone_schema()` SQL function slows down as schemas accumulate (0.5 s per
  clone with 3 schemas, 2.5 s with 80 on a 2-core machine), which makes 1,000 clones take hours.
  `--keep` leaves the bench tenants for the next run; otherwise they are removed at the end, also
  after an error, Ctrl-C or SIGTERM (schemas dropped, rows deleted).

Progress goes to stderr. The last line on stdout is one JSON object:
`{"tenants": N, "noop_migrate_s": ..., ...extra fields}`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
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
from django_tenants.utils import get_public_schema_name, schema_exists  # noqa: E402

from apps.tenancy.migrations_state import migration_states, schemas_behind, tenant_schemas  # noqa: E402
from apps.tenancy.models import Tenant, TenantStatus  # noqa: E402
from apps.tenancy.schemas import schema_clone, schema_drop  # noqa: E402
from apps.tenancy.services import tenant_template_ensure  # noqa: E402

EXIT_NOT_SET_UP = 2
EXIT_NOT_NOOP = 3
SLUG_PREFIX = "bench-noop-"
SCHEMA_PREFIX = "t_bench_noop_"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _raise_interrupt(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def check_setup() -> Tenant:
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
    template = Tenant.objects.filter(is_template=True).first()
    if template is None or not schema_exists(template.schema_name):
        log("The template schema is missing; creating it (one slow migrate, untimed) ...")
        template = tenant_template_ensure()
    return template


def tenant_count() -> int:
    return len(tenant_schemas()) - 1  # the template is not a tenant


def bench_rows_ensure(wanted: int) -> list[str]:
    """Bench Tenant rows so that the database holds `wanted` tenants; returns their schema names."""
    others = tenant_count() - Tenant.objects.filter(slug__startswith=SLUG_PREFIX).count()
    total = max(wanted - others, 0)
    existing = set(Tenant.objects.filter(slug__startswith=SLUG_PREFIX).values_list("slug", flat=True))
    new = [
        Tenant(name=f"Bench noop {i}", slug=f"{SLUG_PREFIX}{i}", schema_name=f"{SCHEMA_PREFIX}{i}",
               status=TenantStatus.ACTIVE)
        for i in range(total) if f"{SLUG_PREFIX}{i}" not in existing
    ]  # fmt: skip
    Tenant.objects.bulk_create(new, batch_size=1000)
    return [f"{SCHEMA_PREFIX}{i}" for i in range(total)]


def template_ddl(template: str) -> str:
    """The template schema as SQL (tables, indexes, constraints and rows, names schema-qualified)."""
    db = settings.DATABASES["default"]
    server = ["-h", db["HOST"] or "localhost", "-p", str(db["PORT"] or 5432), "-U", db["USER"], db["NAME"]]
    command = ["pg_dump", "--schema", template, "--inserts", "--no-owner", "--no-privileges", *server]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    dump = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout  # noqa: S603
    # Session settings and psql meta-commands stay out: the SQL runs on a Django connection.
    return "\n".join(
        line for line in dump.splitlines() if not line.startswith(("\\", "SET ", "SELECT pg_catalog.set_config"))
    )


def _create(ddl: str, template: str, target: str) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute(re.sub(rf"\b{template}\b", target, ddl))
    finally:
        connection.close()  # each worker thread has its own connection


def _clone(template: str, target: str) -> None:
    try:
        schema_clone(source=template, target=target)
    finally:
        connection.close()


def schemas_ensure(template: str, schemas: list[str], *, jobs: int, clone: bool) -> int:
    missing = [schema for schema, state in migration_states(schemas).items() if state is None]
    if not missing:
        return 0
    how = "schema_clone" if clone else "the template's pg_dump"
    log(f"Creating {len(missing)} schema(s) from {template} with {how}, {jobs} at a time ...")
    ddl = "" if clone else template_ddl(template)
    make = (lambda s: _clone(template, s)) if clone else (lambda s: _create(ddl, template, s))
    started, done = time.perf_counter(), 0
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for _ in pool.map(make, missing):
            done += 1
            if done % 100 == 0 or done == len(missing):
                log(f"  {done}/{len(missing)} created ({time.perf_counter() - started:.0f} s)")
    return len(missing)


def timed_migrate() -> tuple[float, str]:
    command = [sys.executable, str(REPO_ROOT / "manage.py"), "migrate_tenants"]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=True)  # noqa: S603
    return time.perf_counter() - started, result.stdout.strip()


def cleanup() -> None:
    with contextlib.suppress(DatabaseError):
        connection.close()  # an interrupted query may have left this connection unusable
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", [SCHEMA_PREFIX])
        schemas = sorted(row[0] for row in cursor.fetchall())
    for schema in schemas:
        schema_drop(schema)
    table = connection.ops.quote_name(Tenant._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE starts_with(slug, %s)", [SLUG_PREFIX])
        rows = cursor.rowcount
    log(f"Cleanup: dropped {len(schemas)} schema(s) and deleted {rows} bench tenant row(s).")


def run(args: argparse.Namespace, template: Tenant) -> dict[str, Any]:
    log("Bringing every schema up to date first (untimed) ...")
    call_command("migrate_tenants", verbosity=0)
    connection.set_schema_to_public()
    schemas = bench_rows_ensure(args.tenants)
    created = schemas_ensure(template.schema_name, schemas, jobs=args.jobs, clone=args.clone)
    connection.set_schema_to_public()
    behind = schemas_behind()
    if behind:
        log(f"Something is pending, so this would not be a no-op run: {behind}")
        sys.exit(EXIT_NOT_NOOP)
    tenants = tenant_count()
    log(f"Timing `manage.py migrate_tenants` with {tenants} tenant(s) and nothing pending ...")
    elapsed, output = timed_migrate()
    log(f"  {elapsed:.2f} s: {output}")
    return {"tenants": tenants, "noop_migrate_s": round(elapsed, 3), "schemas_checked": tenants + 2,
            "bench_schemas_created": created, "command": "manage.py migrate_tenants",
            "public_schema": get_public_schema_name()}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tenants", nargs="?", type=int, default=1000, help="tenants in the database (default 1000)")
    parser.add_argument("--jobs", type=int, default=2, help="schemas cloned at a time (default 2)")
    parser.add_argument("--clone", action="store_true", help="create bench schemas with schema_clone (slow)")
    parser.add_argument("--keep", action="store_true", help="keep the bench tenants for the next run")
    args = parser.parse_args(argv)
    template = check_setup()
    signal.signal(signal.SIGTERM, _raise_interrupt)
    result, return_code = None, 0
    try:
        result = run(args, template)
    except KeyboardInterrupt:
        log("Interrupted; cleaning up ...")
        return_code = 130
    finally:
        if not args.keep:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave half the run behind
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            cleanup()
    if result is not None:
        print(json.dumps(result))
    return return_code


if __name__ == "__main__":
    sys.exit(main())
