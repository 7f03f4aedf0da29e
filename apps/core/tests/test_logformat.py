"""JSON log lines: timestamp, level, logger, message, correlation id, tenant, user id (never the email),
exception info; LOG_FORMAT chooses JSON or text and refuses anything else."""

import io
import json
import logging
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django_tenants.utils import schema_context

from apps.core.correlation import correlation_scope
from apps.core.logformat import ContextFilter, JsonFormatter
from config.settings.base import log_format
from tests.utils import subprocess_env

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """A JSON handler on the `apps` loggers for the test; yields a function that returns the parsed lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("apps")
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


def test_a_line_carries_the_context_and_the_exception(json_lines, acme):
    with correlation_scope("log-1"), schema_context(acme.schema_name):
        try:
            raise ValueError("bad thing")
        except ValueError:
            logging.getLogger("apps.core.test").exception("It failed for %s", "a reason", extra={"count": 3})
    (line,) = json_lines()
    assert line["level"] == "ERROR" and line["logger"] == "apps.core.test"
    assert line["message"] == "It failed for a reason" and line["count"] == 3
    assert line["correlation_id"] == "log-1" and line["tenant"] == acme.schema_name
    assert line["user_id"] == "-" and line["task_id"] == "-"
    assert line["timestamp"].endswith("+00:00")
    assert "ValueError: bad thing" in line["exc_info"]


def test_a_request_line_names_the_user_by_id_never_by_email(json_lines, acme_client, acme_admin, broker_down):
    # broker_down: readyz logs the broker's failure
    acme_client.force_login(acme_admin)
    acme_client.get("/manage/", HTTP_X_REQUEST_ID="log-2")  # resolves request.user like any portal page
    response = acme_client.get("/readyz", HTTP_X_REQUEST_ID="log-3")
    assert response.status_code == 503
    (line,) = [line for line in json_lines() if line["correlation_id"] == "log-3"]
    assert line["tenant"] == "t_acme" and line["logger"] == "apps.core.health"
    assert line["user_id"] in (str(acme_admin.pk), "-")  # only when a middleware already loaded the user
    assert acme_admin.email not in json.dumps(line)
    assert "ConnectionRefusedError" in line["exc_info"] or "OperationalError" in line["exc_info"]


def test_log_format_refuses_anything_but_json_or_text():
    assert log_format("json") == "json" and log_format("text") == "text"
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT must be 'json' or 'text', not 'xml'"):
        log_format("xml")


def test_the_console_handler_uses_the_chosen_format():
    assert settings.LOGGING["handlers"]["console"]["formatter"] == settings.LOG_FORMAT
    assert settings.LOGGING["filters"]["correlation"]["()"] == "apps.core.logformat.ContextFilter"


def test_log_format_json_makes_a_process_write_json_lines():
    code = "import logging; logging.getLogger('apps.demo').warning('hello %s', 'world')"
    result = subprocess.run(  # noqa: S603 - our own code
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=settings.BASE_DIR, env=subprocess_env(LOG_FORMAT="json"), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello world" and line["level"] == "WARNING" and line["logger"] == "apps.demo"
    assert {"timestamp", "correlation_id", "tenant", "user_id"} <= line.keys()
