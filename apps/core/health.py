"""Readiness checks behind /healthz: the database, the Celery broker and pending migrations."""

from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tenants.utils import schema_context


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_broker() -> str:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def _pending(schema: str) -> int:
    with schema_context(schema):
        executor = MigrationExecutor(connection)
        return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def check_migrations() -> str:
    """Public and the tenant template are checked; tenants are cloned from and migrated with it."""
    pending = _pending("public") + _pending(settings.TENANT_TEMPLATE_SCHEMA)
    if pending:
        raise RuntimeError(f"{pending} migration(s) not applied")
    return "ok"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "broker": check_broker,
    "migrations": check_migrations,
}


def run_checks() -> tuple[bool, dict[str, str]]:
    results: dict[str, str] = {}
    healthy = True
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 - a health check reports every failure as data
            healthy = False
            results[name] = f"error: {exc.__class__.__name__}: {exc}"[:300]
    return healthy, results
