"""Log records that say where they came from: correlation id, tenant, user id, Celery task.

`ContextFilter` (on the console handler) adds to every record:

- `correlation_id`: the request's or task's id (apps.core.correlation), "-" outside both;
- `tenant`: the schema the database connection is on (the tenant of the request or task), "-"
  before Django has a connection;
- `user_id`: the signed-in user's id, only when something already resolved `request.user` (reading
  a lazy user costs a query; Django's own middlewares resolve it on most requests). Never the
  email or any other personal data;
- `task_id` and `task_name`: in a Celery worker, the task being run.

`JsonFormatter` writes one JSON object per line (python-json-logger) with those fields plus
`timestamp` (UTC, ISO 8601), `level`, `logger`, `message` and `exc_info` (the formatted traceback).
LOG_FORMAT=json|text chooses it (settings, docs/observability.md).
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, empty
from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

from .correlation import get_correlation_id

_request: ContextVar[HttpRequest | None] = ContextVar("log_request", default=None)


def set_log_request(request: HttpRequest | None) -> object:
    return _request.set(request)


def current_request() -> HttpRequest | None:
    """The request this thread serves (set by CorrelationIdMiddleware), None outside one."""
    return _request.get()


def reset_log_request(token: object) -> None:
    _request.reset(token)  # type: ignore[arg-type]


def resolved_user_id(request: HttpRequest | None) -> Any:
    """The id of request.user when it is already loaded (never loads it), else None."""
    if request is None:
        return None
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = None if user._wrapped is empty else user._wrapped  # type: ignore[attr-defined]
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "pk", None)


def current_schema() -> str:
    """The schema of this thread's connection ("-" before there is one); reads no database."""
    try:
        from django.db import connection

        return getattr(connection, "schema_name", None) or "-"
    except Exception:  # noqa: BLE001 - logging must never fail because Django is not set up
        return "-"


def current_task() -> tuple[str, str]:
    """(task id, task name) of the Celery task running in this thread, ("-", "-") outside one."""
    from celery import current_task as task

    request = getattr(task, "request", None) if task else None
    task_id = getattr(request, "id", None) if request is not None else None
    return (task_id, task.name) if task_id else ("-", "-")


class ContextFilter(logging.Filter):
    """Adds correlation_id, tenant, user_id, task_id and task_name to every record (see the module)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = get_correlation_id() or "-"
        record.tenant = current_schema()
        user_id = resolved_user_id(_request.get())
        record.user_id = "-" if user_id is None else str(user_id)
        record.task_id, record.task_name = current_task()
        return True


# Django's request logger attaches the request object: its repr names the path with its query
# string, which may carry tokens; the status code it also attaches is kept.
_LEFT_OUT = ["request", "server_time", "color_message"]


class JsonFormatter(_BaseJsonFormatter):
    """One JSON object per line: timestamp, level, logger, message, the context fields, exc_info,
    and any `extra=` fields the caller passed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "{levelname}{name}{message}{correlation_id}{tenant}{user_id}{task_id}{task_name}")
        kwargs.setdefault("style", "{")
        kwargs.setdefault("timestamp", True)
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("reserved_attrs", [*logging.LogRecord("", 0, "", 0, "", (), None).__dict__, *_LEFT_OUT])
        super().__init__(*args, **kwargs)
