"""Production settings have no default for any secret; development settings need nothing."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "docs" / "deploy.env.sample"


def _sample_env() -> dict[str, str]:
    values = {}
    for line in SAMPLE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip("'\"")
    return values


def _import_production(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_load_with_the_documented_sample_environment():
    result = _import_production(_sample_env())
    assert result.returncode == 0, result.stderr


def test_production_settings_refuse_to_start_without_each_secret():
    sample = _sample_env()
    for secret in (
        "SECRET_KEY",
        "FIELD_ENCRYPTION_KEY",
        "AUDIT_CHECKPOINT_KEY",
        "BACKUP_ENCRYPTION_KEY",
        "DATABASE_URL",
        "STRIPE_LIVE_SECRET_KEY",
    ):
        env = {k: v for k, v in sample.items() if k != secret}
        result = _import_production(env)
        assert result.returncode != 0, secret
        assert secret in result.stderr
