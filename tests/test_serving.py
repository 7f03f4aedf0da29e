"""Production entry points refuse to guess their settings; a missing secret is named with where it is documented."""

import os
import subprocess
import sys
from pathlib import Path

from tests.test_settings import _import_production, _sample_env

ROOT = Path(__file__).resolve().parent.parent


def _without_settings_module(code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_wsgi_refuses_to_start_without_a_settings_module():
    result = _without_settings_module("import config.wsgi")
    assert result.returncode != 0
    assert "DJANGO_SETTINGS_MODULE is not set" in result.stderr and "gunicorn (config.wsgi)" in result.stderr


def test_celery_refuses_to_start_without_a_settings_module():
    result = _without_settings_module("import config.celery")
    assert result.returncode != 0
    assert "DJANGO_SETTINGS_MODULE is not set" in result.stderr and "Celery worker" in result.stderr


def test_manage_py_still_defaults_to_development_settings():
    result = _without_settings_module("import runpy, sys; sys.argv = ['manage.py', 'diffsettings', '--all']; "
                                      "runpy.run_path('manage.py', run_name='__main__')")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "config.settings.local" in result.stdout


def test_a_missing_secret_is_named_with_where_it_is_documented():
    env = {k: v for k, v in _sample_env().items() if k not in ("SECRET_KEY", "REDIS_URL")}
    result = _import_production(env)
    assert result.returncode != 0
    assert "SECRET_KEY, REDIS_URL not set in the environment" in result.stderr
    assert "docs/deploy.env.sample" in result.stderr


def test_gunicorn_configuration_reads_its_environment():
    code = (
        "import runpy; c = runpy.run_path('config/gunicorn.conf.py');"
        "print(c['bind'], c['workers'], c['timeout'], c['max_requests'] > 0, 'x-request-id' in c['access_log_format'])"
    )
    env = {**os.environ, "PORT": "18123", "WEB_CONCURRENCY": "3"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.stdout.split() == ["127.0.0.1:18123", "3", "30", "True", "True"], result.stderr


def test_gunicorn_refuses_a_malformed_number():
    code = "import runpy; runpy.run_path('config/gunicorn.conf.py')"
    env = {**os.environ, "WEB_CONCURRENCY": "four"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "WEB_CONCURRENCY='four' is not an integer" in result.stderr
