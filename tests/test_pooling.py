"""A connection pooler that could run one tenant's queries in another's schema is refused at start-up.

docs/deploy/pooling.md: django-tenants sets search_path once per connection, so only PgBouncer's session
mode is safe. Declared settings are checked without I/O; with PGBOUNCER_ADMIN_URL the real PgBouncer (a
process of our own, Debian's package) is asked and a mismatch refused.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from apps.core.pooling import configured_problems, live_problems, pooling_problems, refuse_unsafe_pooling

ROOT = Path(__file__).resolve().parent.parent
PGBOUNCER = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else "")


def test_no_pooler_and_pgbouncer_in_session_mode_are_accepted():
    assert configured_problems(pooler="none", mode="transaction") == []  # the mode means nothing without a pooler
    assert configured_problems(pooler="pgbouncer", mode="session") == []


def test_transaction_and_statement_modes_are_refused_with_the_reason():
    for mode in ("transaction", "statement"):
        (problem,) = configured_problems(pooler="pgbouncer", mode=mode)
        assert f"DATABASE_POOL_MODE='{mode}' is not supported" in problem
        assert "search_path" in problem and "docs/deploy/pooling.md" in problem


def test_unknown_pooler_and_unknown_mode_are_refused():
    assert "DATABASE_POOLER='pgpool'" in configured_problems(pooler="pgpool", mode="session")[0]
    assert "not a PgBouncer pool mode" in configured_problems(pooler="pgbouncer", mode="sessions")[0]


@override_settings(DATABASE_POOLER="pgbouncer", DATABASE_POOL_MODE="transaction", PGBOUNCER_ADMIN_URL="")
def test_refusal_raises_improperly_configured():
    with pytest.raises(ImproperlyConfigured, match="Connection pooling refused"):
        refuse_unsafe_pooling()


def test_a_process_refuses_to_start_with_transaction_mode():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_POOLER": "pgbouncer",
        "DATABASE_POOL_MODE": "transaction",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Connection pooling refused" in result.stderr and "transaction" in result.stderr


# --- Against a real PgBouncer -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def pgbouncer(tmp_path: Path, settings) -> Iterator[callable]:
    """Start our own PgBouncer in a given mode; yields a starter returning its admin console URL."""
    if not PGBOUNCER:
        if os.environ.get("CI"):
            pytest.fail("pgbouncer is not installed (.ci/run installs Debian's package)")
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")
    started: list[subprocess.Popen[bytes]] = []
    database = settings.DATABASES["default"]

    def start(mode: str, reset: str = "DISCARD ALL") -> str:
        port = _free_port()
        tmp_path.chmod(0o755)
        (tmp_path / "users.txt").write_text('"postgres" ""\n')
        ini = tmp_path / f"pgbouncer-{port}.ini"
        ini.write_text(
            f"[databases]\n{database['NAME']} = host={database.get('HOST') or '127.0.0.1'} "
            f"port={database.get('PORT') or 5432} dbname={database['NAME']}\n"
            f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\nauth_type = trust\n"
            f"auth_file = {tmp_path / 'users.txt'}\nadmin_users = postgres\npool_mode = {mode}\n"
            f"server_reset_query = {reset}\n"
        )
        argv = [PGBOUNCER, *(["-u", "postgres"] if os.geteuid() == 0 else []), str(ini)]
        started.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        admin_url = f"postgres://postgres@127.0.0.1:{port}/pgbouncer"
        for _ in range(100):
            try:
                psycopg.connect(admin_url, connect_timeout=1, autocommit=True).close()
                return admin_url
            except psycopg.OperationalError:
                time.sleep(0.1)
        raise AssertionError("pgbouncer did not start")

    yield start
    for proc in started:
        proc.terminate()
        proc.wait(10)


def test_a_pgbouncer_in_session_mode_matches(pgbouncer, settings):
    admin_url = pgbouncer("session")
    assert live_problems(admin_url=admin_url, database=settings.DATABASES["default"]["NAME"], mode="session") == []


def test_a_pgbouncer_really_in_transaction_mode_is_refused_though_session_is_declared(pgbouncer, settings):
    settings.DATABASE_POOLER, settings.DATABASE_POOL_MODE = "pgbouncer", "session"
    settings.PGBOUNCER_ADMIN_URL = pgbouncer("transaction")
    (problem,) = pooling_problems()
    assert "pool_mode='transaction' but DATABASE_POOL_MODE='session'" in problem


def test_a_pgbouncer_that_does_not_discard_session_state_is_refused(pgbouncer, settings):
    admin_url = pgbouncer("session", reset="SELECT 1")
    (problem,) = live_problems(admin_url=admin_url, database=settings.DATABASES["default"]["NAME"], mode="session")
    assert "server_reset_query" in problem and "DISCARD ALL" in problem


def test_an_unreachable_admin_console_is_refused(settings):
    url = f"postgres://postgres@127.0.0.1:{_free_port()}/pgbouncer"
    (problem,) = live_problems(admin_url=url, database=settings.DATABASES["default"]["NAME"], mode="session")
    assert "PGBOUNCER_ADMIN_URL (host 127.0.0.1) could not be read" in problem


def test_manage_py_check_reports_an_unsafe_mode(settings):
    from django.core.checks.registry import registry

    from apps.core.pooling import check_pooling

    settings.DATABASE_POOLER, settings.DATABASE_POOL_MODE = "pgbouncer", "statement"
    assert check_pooling in registry.get_checks()
    assert [error.id for error in check_pooling()] == ["core.E201"]
