"""Carry the correlation id from the code that sends a Celery task into the task that runs."""

from typing import Any

from celery import signals

from .correlation import clean_correlation_id, get_correlation_id, new_correlation_id, set_correlation_id

# Not "correlation_id": Celery already uses that name for the task id.
_HEADER = "x_request_id"


@signals.before_task_publish.connect
def _add_correlation_header(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    if headers is not None:
        headers.setdefault(_HEADER, get_correlation_id() or new_correlation_id())


@signals.task_prerun.connect
def _restore_correlation_id(task: Any = None, **kwargs: Any) -> None:
    request = getattr(task, "request", None)
    value = getattr(request, _HEADER, None) if request is not None else None
    set_correlation_id(clean_correlation_id(value))
