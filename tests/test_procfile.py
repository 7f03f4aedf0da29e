"""The Procfile's four processes come up under production settings when honcho starts them.

The same file `make prod-check` runs (bin/prod_check.py, with its full smoke suite); here on the test
database and a Redis of the test's own, so the worker and beat touch nothing else.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from http.client import HTTPConnection
from pathlib import Path

import pytest
from django.conf import settings

from tests import utils

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
READY = {"web": "Booting worker", "socket": "Uvicorn running on", "worker": "ready.", "beat": "Starting"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    port = _free_port()
    argv = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    proc = subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.DEVNULL)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


def _production_env(tmp_path: Path, redis_url: str, port: int) -> dict[str, str]:
    return {
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "procfile-test-" + "x" * 40,
        "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY,
        "AUDIT_CHECKPOINT_KEY": "procfile-test-checkpoint-key-" + "c" * 20,
        "BACKUP_ENCRYPTION_KEY": "procfile-test-backup-key-" + "b" * 20,
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "DATABASE_URL": utils.test_database_url(),
        "REDIS_URL": redis_url,
        "EMAIL_URL": "consolemail://",
        "STRIPE_LIVE_SECRET_KEY": "sk_live_" + "0" * 24 + "procfile",
        "DJSTRIPE_WEBHOOK_SECRET": "whsec_procfile",
        "BILLING_PROVIDER": "manual",
        "STATIC_ROOT": str(tmp_path / "static"),
        "REALTIME_PORT": str(_free_port()),
        "WEB_CONCURRENCY": "1",
        "CELERY_CONCURRENCY": "1",
        "PYTHONUNBUFFERED": "1",
    }


def _started(log: Path) -> set[str]:
    text = log.read_text(errors="replace")
    return {name for name, marker in READY.items() if any(
        line.split("|", 1)[0].strip().endswith(f"{name}.1") and marker in line for line in text.splitlines()
    )}  # fmt: skip


def _healthz(port: int) -> int:
    conn = HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/healthz", headers={"Host": "localhost", "X-Forwarded-Proto": "https"})
        return conn.getresponse().status
    except OSError:
        return 0
    finally:
        conn.close()


@pytest.mark.django_db
def test_honcho_starts_every_procfile_process_with_production_settings(tmp_path, redis_url):
    port = _free_port()
    log = tmp_path / "honcho.log"
    argv = [str(VENV_BIN / "honcho"), "-f", str(ROOT / "Procfile"), "start", "--no-colour", "-p", str(port)]
    with log.open("wb") as out:
        honcho = subprocess.Popen(
            argv, cwd=ROOT, env=_production_env(tmp_path, redis_url, port), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        status = 0
        while time.monotonic() < deadline and honcho.poll() is None:
            status = _healthz(port)
            if _started(log) == set(READY) and status:
                break
            time.sleep(1)
        assert _started(log) == set(READY), log.read_text()[-3000:]
        # gunicorn answers (503 only when the test database lacks something /healthz checks).
        assert status in (200, 503), log.read_text()[-3000:]
    finally:
        os.killpg(honcho.pid, signal.SIGTERM)
        honcho.wait(60)
