"""The embedded fallback (PRODUCT.md section 4 item 9) works on a machine without PostgreSQL or Redis.

bin/services.py runs with --force-embedded into a temporary data directory, so the real servers are
never touched: the test starts its own pgserver PostgreSQL on a Unix socket, connects to it the way
Django would, and sends a Celery task through kombu's filesystem transport with a file result backend,
configured from the project's settings. The embedded server is stopped at the end.
"""

import os
import shlex
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import environ
import psycopg
import pytest

REPO = Path(__file__).resolve().parent.parent
SERVICES = REPO / "bin" / "services.py"
# Variables that would make services.py use a configured server instead of the fallback.
SERVICE_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "CACHE_URL",
    "CELERY_BROKER_URL",
    "CELERY_BROKER_TRANSPORT_OPTIONS",
    "CELERY_RESULT_BACKEND",
    "NIDIA_FORCE_EMBEDDED",
)

CELERY_ROUND_TRIP = textwrap.dedent(
    """
    import django
    from django.conf import settings

    django.setup()
    from django.core.cache import cache

    # The project's settings read the fallback from the environment (the JSON options included).
    assert settings.CELERY_BROKER_URL.startswith("filesystem://"), settings.CELERY_BROKER_URL
    assert settings.CELERY_RESULT_BACKEND.startswith("file:///"), settings.CELERY_RESULT_BACKEND
    assert set(settings.CELERY_BROKER_TRANSPORT_OPTIONS) >= {"data_folder_in", "data_folder_out"}
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"), settings.CACHES
    cache.set("embedded", 42)
    assert cache.get("embedded") == 42

    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    app = Celery("embedded_fallback_check")
    app.conf.update(
        broker_url=settings.CELERY_BROKER_URL,
        broker_transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        result_backend=settings.CELERY_RESULT_BACKEND,
        task_serializer=settings.CELERY_TASK_SERIALIZER,
        result_serializer=settings.CELERY_RESULT_SERIALIZER,
        accept_content=settings.CELERY_ACCEPT_CONTENT,
        broker_polling_interval=0.2,
    )

    @app.task(name="embedded_fallback_check.add")
    def add(x, y):
        return x + y

    with start_worker(app, perform_ping_check=False, loglevel="WARNING"):
        result = add.delay(2, 3)
        assert result.get(timeout=20) == 5
    print("ROUND-TRIP", result.id)
    """
)


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, raw = line.partition("=")
        assert sep, f"not a KEY='value' line: {line!r}"
        (values[key],) = shlex.split(raw)
    return values


def run(argv, *, env, timeout):
    # Fixed argv: the interpreter running the tests and this repository's own script.
    result = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"{argv} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.slow
def test_services_fall_back_to_embedded_postgres_and_filesystem_broker(tmp_path):
    clean_env = {key: value for key, value in os.environ.items() if key not in SERVICE_VARS}
    env_file = tmp_path / "services.env"
    data_dir = tmp_path / "data"
    services = [sys.executable, str(SERVICES), "--data-dir", str(data_dir)]
    try:
        chosen = run([*services, "--force-embedded", "--write", str(env_file)], env=clean_env, timeout=120)
        assert "embedded PostgreSQL" in chosen.stdout
        assert "filesystem transport" in chosen.stdout
        values = read_env_file(env_file)
        assert set(values) == {
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "CELERY_BROKER_TRANSPORT_OPTIONS",
            "CELERY_RESULT_BACKEND",
            "CACHE_URL",
        }

        # PostgreSQL: a Unix socket, parsed by django-environ the way the settings parse it.
        db = environ.Env.db_url_config(values["DATABASE_URL"])
        socket_dir = Path(db["OPTIONS"]["host"])
        assert db["NAME"] == "nidia_flow" and not db["HOST"]
        assert socket_dir.is_absolute()
        assert stat.S_ISSOCK((socket_dir / ".s.PGSQL.5432").stat().st_mode)
        with psycopg.connect(dbname=db["NAME"], user=db["USER"], host=str(socket_dir), autocommit=True) as conn:
            conn.execute("CREATE SCHEMA embedded_check")
            assert conn.execute("SELECT 1").fetchone() == (1,)
            assert conn.execute("SELECT current_database()").fetchone() == ("nidia_flow",)
            assert conn.info.server_version >= 150000  # PRODUCT.md: PostgreSQL 15+
        with psycopg.connect(values["DATABASE_URL"]) as conn:  # the URL itself is a valid libpq URI
            found = conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'embedded_check'").fetchone()
            assert found == (1,)

        # Celery: a task goes out and its result comes back through files only.
        celery_env = dict(clean_env, **values, DJANGO_SETTINGS_MODULE="config.settings.test")
        round_trip = run([sys.executable, "-c", CELERY_ROUND_TRIP], env=celery_env, timeout=60)
        task_id = round_trip.stdout.split("ROUND-TRIP", 1)[1].split()[0]
        assert (data_dir / "celery-results" / f"celery-task-meta-{task_id}").is_file()
        assert not (REPO / "control").exists(), "kombu wrote its control folder into the working directory"
    finally:
        stop = [*services, "--stop"]
        stopped = subprocess.run(stop, env=clean_env, capture_output=True, text=True, timeout=60, check=False)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert not (data_dir / "pg" / "postmaster.pid").exists(), "the embedded PostgreSQL is still running"
