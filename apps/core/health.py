"""Liveness and readiness.

`/healthz` (liveness) answers as long as the process serves requests: it touches nothing, so a slow
database never gets a healthy web process restarted. `/readyz` (readiness) runs the checks below:
the database, the Celery broker and pending migrations. The public answer says "ok" or "error" per
check and nothing more; what went wrong is logged (WARNING, with the traceback) with the request's
correlation id, since exception
text can name hosts, ports, users or schema details that are nobody's business outside.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tenants.utils import schema_context

logger = logging.getLogger(__name__)


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
    """Every check's public verdict ("ok" or "error"); a failure's detail goes to the log only."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception:
            # A warning, not an error: an outage fails every probe, and each would be a Sentry event.
            logger.warning("Readiness check %r failed", name, exc_info=True)
            results[name] = "error"
    return all(verdict == "ok" for verdict in results.values()), results
