"""The embedded fallback (PRODUCT.md section 4 item 9) works on a machine without PostgreSQL or Redis.

bin/services.py runs with --force-embedded into a temporary data directory, so the real servers are
never touched: the test starts its own pgserver PostgreSQL on a Unix socket, connects to it the way
Django would, and sends a Celery task through kombu's filesystem transport with a file result backend,
configured from the project's settings. The embedded server is stopped at the end.

The cache fallback (locmem, no Redis at all) is covered by the tests after it, under override_settings:
the API call counter and quota, the daily roll-up, the API request log and the demo seed. The whole
`make run` on the fallback, with no server reachable, is bin/ci_newcomer.sh (run by .ci/run).
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
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from apps.logs import buffer
from apps.logs.buffer import buffer_flush
from apps.logs.models import ApiRequestLog
from apps.tenancy import usage
from apps.tenancy.models import TenantUsageDaily

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
        assert values["REDIS_URL"] == "" and values["CACHE_URL"] == "locmemcache://"  # "no Redis" for the apps
        assert set(values) == {
            "DATABASE_URL",
            "REDIS_URL",
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


# --- The cache fallback: locmem instead of Redis ------------------------------------------------

LOCMEM = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "embedded-fallback-test",
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}


@pytest.fixture
def no_redis():
    """What bin/services.py writes when no Redis answers: a locmem cache and an empty REDIS_URL."""
    with override_settings(CACHES=LOCMEM, REDIS_URL=""):
        buffer._client.cache_clear()
        yield
    buffer._client.cache_clear()


@pytest.mark.django_db
def test_api_calls_are_counted_in_the_database_without_redis(no_redis, acme, globex, acme_client, acme_member):
    assert usage._redis() is None
    assert usage.api_call_count(tenant=acme) == 1
    assert usage.api_call_count(tenant=acme) == 2
    acme_client.force_login(acme_member)
    assert acme_client.get("/api/v1/tenant/").status_code == 200
    assert usage.api_calls_today(tenant=acme) == 3 and usage.api_calls_today(tenant=globex) == 0
    today = timezone.now().date()
    assert TenantUsageDaily.objects.get(tenant=acme, date=today).api_calls == 3


@pytest.mark.django_db
def test_the_daily_quota_holds_without_redis(no_redis, acme, acme_client, acme_member):
    acme.api_calls_per_day = 2
    acme.save(update_fields=["api_calls_per_day"])
    acme_client.force_login(acme_member)
    assert [acme_client.get("/api/v1/tenant/").status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.django_db
def test_the_roll_up_keeps_the_calls_counted_in_the_database(no_redis, acme):
    for _ in range(4):
        usage.api_call_count(tenant=acme)
    today = timezone.now().date()
    usage.usage_aggregate(day=today)
    row = TenantUsageDaily.objects.get(tenant=acme, date=today)
    assert row.api_calls == 4 and row.active_users >= 0
    assert usage.usage_series(tenant=acme, days=1)[0].api_calls == 4


@pytest.mark.django_db
def test_api_requests_are_logged_straight_to_the_table_without_redis(no_redis, acme_client, acme_admin):
    acme_client.force_login(acme_admin)
    assert acme_client.get("/api/v1/tenant/", HTTP_X_REQUEST_ID="no-redis-log").status_code == 200
    assert ApiRequestLog.objects.filter(correlation_id="no-redis-log", path="/api/v1/tenant/").count() == 1
    assert buffer_flush() == 0  # nothing buffered, nothing to connect to


@pytest.mark.django_db
def test_seed_demo_runs_on_the_locmem_cache(no_redis, monkeypatch, capsys):
    """The crash of `make run` without Redis: seed_demo's usage step asked locmem for a Redis client."""
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "no-redis-demo-pass-1")
    call_command("seed_demo")
    usage.usage_aggregate(day=timezone.now().date())  # what platform_setup does next
    assert "Demo data ready." in capsys.readouterr().out
