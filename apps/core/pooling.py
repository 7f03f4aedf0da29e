"""Refuse a connection pooler configuration that could run one tenant's queries in another's schema.

django-tenants sets `search_path` with a plain `SET` once per connection (TENANT_LIMIT_SET_CALLS), the
provisioning runner holds a session-level advisory lock, and `.iterator()` opens server-side cursors.
All three need a server connection that stays with its client for the whole session, which PgBouncer
gives only in `session` pool mode: in `transaction` or `statement` mode the `SET` and the next query can
run on two different server connections, and a request then reads another tenant's schema.
docs/deploy/pooling.md has the measurements and the trade-off.

DATABASE_POOLER (none|pgbouncer) and DATABASE_POOL_MODE say what the deployment runs; when
PGBOUNCER_ADMIN_URL is set, the pooler's admin console is asked for its real mode and a mismatch is
refused too. Checked in CoreConfig.ready(), so gunicorn, uvicorn and Celery refuse to start, and as a
system check for `manage.py check`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured

POOLERS = ("none", "pgbouncer")
SUPPORTED_MODES = ("session",)
KNOWN_MODES = ("session", "transaction", "statement")
DOCS = "docs/deploy/pooling.md"


def configured_problems(*, pooler: str, mode: str) -> list[str]:
    """What is wrong with the declared pooler and mode (no I/O)."""
    if pooler not in POOLERS:
        return [f"DATABASE_POOLER={pooler!r} is not one of {', '.join(POOLERS)} ({DOCS})."]
    if pooler == "none":
        return []
    if mode not in KNOWN_MODES:
        return [f"DATABASE_POOL_MODE={mode!r} is not a PgBouncer pool mode ({', '.join(KNOWN_MODES)})."]
    if mode not in SUPPORTED_MODES:
        return [
            f"DATABASE_POOL_MODE={mode!r} is not supported: django-tenants sets search_path once per "
            "connection, so in this mode a query can run in another tenant's schema. Use PgBouncer's "
            f"pool_mode = session ({DOCS})."
        ]
    return []


def pgbouncer_settings(admin_url: str, database: str, *, timeout: int = 3) -> dict[str, str]:
    """What PgBouncer really applies to `database`: its pool_mode (the database's own in SHOW DATABASES,
    else the server-wide one) and server_reset_query. The admin console speaks only simple queries."""
    import psycopg

    with psycopg.connect(admin_url, connect_timeout=timeout, autocommit=True, prepare_threshold=None) as conn:
        config = {str(row[0]): str(row[1]) for row in conn.execute("SHOW CONFIG").fetchall()}
        cursor = conn.execute("SHOW DATABASES")
        columns = [column.name for column in cursor.description or []]
        for row in cursor.fetchall():
            entry = dict(zip(columns, row, strict=False))
            if entry.get("name") == database and entry.get("pool_mode"):
                config["pool_mode"] = str(entry["pool_mode"])
    return config


def live_problems(*, admin_url: str, database: str, mode: str) -> list[str]:
    """A mismatch between the declared mode and PgBouncer's, a reset that keeps session state, or no console."""
    try:
        real = pgbouncer_settings(admin_url, database)
    except Exception as exc:  # noqa: BLE001 - any failure to verify is reported as a refusal
        host = urlsplit(admin_url).hostname or "?"
        return [f"PGBOUNCER_ADMIN_URL (host {host}) could not be read: {exc.__class__.__name__} ({DOCS})."]
    pool_mode = real.get("pool_mode", "?")
    if pool_mode != mode:
        return [
            f"PgBouncer runs database {database!r} in pool_mode={pool_mode!r} but DATABASE_POOL_MODE={mode!r}; "
            f"only session mode keeps a tenant's search_path on its connection ({DOCS})."
        ]
    reset = real.get("server_reset_query", "").lower()
    if "discard all" not in reset:
        # A dead worker's session-level advisory lock (apps/tenancy/provisioning.py) and search_path would
        # then stay on the pooled server connection for its next client.
        return [f"PgBouncer's server_reset_query is {reset!r}: it must be DISCARD ALL ({DOCS})."]
    return configured_problems(pooler="pgbouncer", mode=pool_mode)


def pooling_problems() -> list[str]:
    pooler = getattr(settings, "DATABASE_POOLER", "none")
    mode = getattr(settings, "DATABASE_POOL_MODE", "session")
    problems = configured_problems(pooler=pooler, mode=mode)
    admin_url = getattr(settings, "PGBOUNCER_ADMIN_URL", "")
    if problems or pooler != "pgbouncer" or not admin_url:
        return problems
    return live_problems(admin_url=admin_url, database=settings.DATABASES["default"]["NAME"], mode=mode)


def refuse_unsafe_pooling() -> None:
    """Called at start-up (CoreConfig.ready): every process refuses to run on an unsafe pooler."""
    problems = pooling_problems()
    if problems:
        raise ImproperlyConfigured("Connection pooling refused: " + " ".join(problems))


def check_pooling(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """The same verdict as a system check, for `manage.py check` and `check --deploy`."""
    return [Error(problem, id="core.E201") for problem in pooling_problems()]
