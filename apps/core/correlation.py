"""The request correlation id: one id per request or task, carried into logs, history and audit."""

import logging
import re
import uuid
from contextvars import ContextVar

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
    return _correlation_id.get()


def set_correlation_id(value: str) -> object:
    return _correlation_id.set(value)


def reset_correlation_id(token: object) -> None:
    _correlation_id.reset(token)  # type: ignore[arg-type]


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
