"""The request correlation id: one id per request or task, carried into logs, history and audit."""

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models

_correlation_id: ContextVar[str] = ContextVar("correlation_id", default="")
# The client of the current request (IP, user agent), for audit entries written by services.
_client: ContextVar[tuple[str | None, str]] = ContextVar("client", default=(None, ""))

HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def clean_correlation_id(value: str | None) -> str:
    """Accept a caller's id when it is safe to log, otherwise make a new one."""
    if value and _VALID.match(value):
        return value
    return new_correlation_id()


def get_correlation_id() -> str:
    """The id of the current request or task ("" outside both). Models that record where a row came
    from use it as their `correlation_id` field's default, so every creation path fills it."""
    return _correlation_id.get()


def set_correlation_id(value: str) -> object:
    return _correlation_id.set(value)


def reset_correlation_id(token: object) -> None:
    _correlation_id.reset(token)  # type: ignore[arg-type]


@contextmanager
def correlation_scope(value: str | None = None) -> Iterator[str]:
    """Run a block under one correlation id: `value` when given, else the current one, else a new one.

    For work that starts outside a request or task (a management command, a script): everything the
    block writes, logs, emails or enqueues shares the id it yields."""
    correlation_id = clean_correlation_id(value) if value else (get_correlation_id() or new_correlation_id())
    token = set_correlation_id(correlation_id)
    try:
        yield correlation_id
    finally:
        reset_correlation_id(token)


def correlation_id_field(**kwargs: Any) -> models.CharField:  # type: ignore[type-arg]
    """A `correlation_id` column filled, when the row is created (save or bulk_create), with the id of
    the request or task creating it; blank in the database for rows that predate it."""
    options: dict[str, Any] = {
        "max_length": 128, "blank": True, "default": get_correlation_id, "db_default": "", "editable": False,
        "help_text": "The request or task that created this row (X-Request-ID); blank when created outside one.",
    }  # fmt: skip
    return models.CharField(**(options | kwargs))


def get_client() -> tuple[str | None, str]:
    return _client.get()


def set_client(ip_address: str | None, user_agent: str) -> object:
    return _client.set((ip_address, user_agent[:512]))


def reset_client(token: object) -> None:
    _client.reset(token)  # type: ignore[arg-type]


class CorrelationIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = get_correlation_id() or "-"
        return True
