"""A task runs in the schema it was sent from, on a real worker process consuming from Redis."""

import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import tenant_context

from apps.core.correlation import reset_correlation_id, set_correlation_id
from apps.core.tasks import current_schema
from config.celery import app

from .utils import subprocess_env

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def worker(django_db_blocker):
    """`celery worker` in a subprocess, on the test database and the test queue in Redis db 15."""
    app.control.purge()
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-l", "warning"],
        cwd=settings.BASE_DIR,
        env=subprocess_env(),
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("The Celery worker did not start")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_task_runs_in_the_senders_tenant_schema(worker, acme, globex):
    with tenant_context(acme):
        acme_result = current_schema.delay().get(timeout=30)
    with tenant_context(globex):
        globex_result = current_schema.delay().get(timeout=30)
    public_result = current_schema.delay().get(timeout=30)
    assert acme_result["schema"] == "t_acme"
    assert globex_result["schema"] == "t_globex"
    assert public_result["schema"] == "public"
    assert connection.schema_name == "public"


def test_task_carries_the_senders_correlation_id(worker):
    token = set_correlation_id("corr-task-9")
    try:
        result = current_schema.delay().get(timeout=30)
    finally:
        reset_correlation_id(token)
    assert result["correlation_id"] == "corr-task-9"


def test_celery_is_configured_for_at_least_once_delivery():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert int(app.conf.task_tenant_cache_seconds) > 0
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
