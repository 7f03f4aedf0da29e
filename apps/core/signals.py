"""Carry the correlation id from the code that sends a Celery task into the task that runs.

- Sending (`before_task_publish`): the message gets the sender's id in the `x_request_id` header;
  a sender with none (beat, a shell) gets a new id, so each beat run has its own id, shared by
  everything the task writes and by the tasks it sends in turn.
- Running (`task_prerun`): the worker makes the header's id current for the task. A task applied
  locally (`task.apply()`, eager) without the header keeps the caller's id. `task_postrun` restores
  what was current before, so an eager task never leaks its id into the caller.

The same signals feed the task metrics (apps.core.metrics: outcome per task name, run time), and a
worker keeps Django's LOGGING (JSON or text, apps.core.logformat) instead of Celery's own format.
"""

from contextlib import suppress
from typing import Any

from celery import signals

from . import metrics
from .correlation import (
    clean_correlation_id,
    get_correlation_id,
    new_correlation_id,
    reset_correlation_id,
    set_correlation_id,
)

# Not "correlation_id": Celery already uses that name for the task id.
HEADER = "x_request_id"
_SAVED = "_correlation_saved"


@signals.before_task_publish.connect
def _add_correlation_header(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    if headers is not None:
        headers.setdefault(HEADER, get_correlation_id() or new_correlation_id())


def _sent_id(request: Any) -> str | None:
    """The header as a worker sees it (an attribute of the request), or as `apply(headers=...)` passes it."""
    value = getattr(request, HEADER, None)
    if not value:
        value = (getattr(request, "headers", None) or {}).get(HEADER)
    if not value and getattr(request, "is_eager", False):
        value = get_correlation_id()
    return value or None


@signals.task_prerun.connect
def _restore_correlation_id(task: Any = None, **kwargs: Any) -> None:
    request = getattr(task, "request", None)
    token = set_correlation_id(clean_correlation_id(_sent_id(request) if request is not None else None))
    if request is not None:
        setattr(request, _SAVED, token)


@signals.task_postrun.connect
def _forget_correlation_id(task: Any = None, **kwargs: Any) -> None:
    request = getattr(task, "request", None)
    token = getattr(request, _SAVED, None) if request is not None else None
    if token is not None:
        setattr(request, _SAVED, None)
        with suppress(ValueError):  # set in another context (a pool that switched contexts): nothing to restore
            reset_correlation_id(token)


@signals.setup_logging.connect
def _keep_django_logging(**kwargs: Any) -> None:
    """A receiver here tells Celery not to configure logging: Django's LOGGING (applied by
    django.setup() before the worker sets up logging) stays, so worker lines carry the same fields."""


@signals.task_prerun.connect
def _task_started(task_id: str | None = None, **kwargs: Any) -> None:
    metrics.task_started(task_id)


@signals.task_success.connect
def _task_succeeded(sender: Any = None, **kwargs: Any) -> None:
    request = getattr(sender, "request", None)
    metrics.task_finished(getattr(request, "id", None), getattr(sender, "name", "unknown"), "succeeded")


@signals.task_failure.connect
def _task_failed(sender: Any = None, task_id: str | None = None, **kwargs: Any) -> None:
    metrics.task_finished(task_id, getattr(sender, "name", "unknown"), "failed")


@signals.task_retry.connect
def _task_retried(sender: Any = None, request: Any = None, **kwargs: Any) -> None:
    metrics.task_finished(getattr(request, "id", None), getattr(sender, "name", "unknown"), "retried")
