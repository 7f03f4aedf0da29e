"""Application errors: recorded from Django's got_request_exception and Celery's task_failure.

Recording must never raise: a failure to log is itself only logged to the console.
"""

import hashlib
import logging
import traceback as tb
from types import TracebackType
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from apps.core.correlation import get_correlation_id

from .middleware import _evaluated_user
from .models import ApplicationError, ApplicationErrorSource

logger = logging.getLogger(__name__)


def error_fingerprint(exc: BaseException, trace: TracebackType | None) -> str:
    """Same class raised from the same functions: same fingerprint (line numbers left out on purpose)."""
    frames = [f"{frame.filename}:{frame.name}" for frame in tb.extract_tb(trace)[-8:]] if trace else []
    text = "|".join([f"{type(exc).__module__}.{type(exc).__qualname__}", *frames])
    return hashlib.sha256(text.encode()).hexdigest()


def application_error_record(
    *,
    exc: BaseException,
    trace: TracebackType | None = None,
    source: str = ApplicationErrorSource.REQUEST,
    path: str = "",
    method: str = "",
    tenant_id: Any = None,
    user_id: Any = None,
    message: str | None = None,
) -> ApplicationError | None:
    """Store one occurrence; return None (and log to the console) if even that fails."""
    trace = trace if trace is not None else exc.__traceback__
    try:
        with transaction.atomic():  # a savepoint: a failed insert leaves the caller's transaction usable
            return ApplicationError.objects.create(
                source=source,
                tenant_id=tenant_id,
                user_id=user_id,
                correlation_id=get_correlation_id()[:128],
                path=path[:512],
                method=method[:10],
                exception_class=f"{type(exc).__module__}.{type(exc).__qualname__}"[:255],
                message=(message if message is not None else str(exc))[:10000],
                traceback="".join(tb.format_exception(type(exc), exc, trace))[-50000:],
                fingerprint=error_fingerprint(exc, trace),
            )
    except Exception:
        logger.exception("Could not record an application error")
        return None


def _request_tenant_id(request: HttpRequest) -> Any:
    from django_tenants.utils import get_public_schema_name

    tenant = getattr(request, "tenant", None)
    if tenant is None or getattr(tenant, "schema_name", None) == get_public_schema_name():
        return None
    return tenant.pk


def on_request_exception(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """got_request_exception receiver: called inside Django's exception handling (sys.exc_info is set)."""
    import sys

    try:
        _, exc, trace = sys.exc_info()
        if exc is None:
            return
        user = _evaluated_user(request) if request is not None else None
        user_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else None
        application_error_record(
            exc=exc,
            trace=trace,
            path=request.path if request is not None else "",
            method=(request.method or "") if request is not None else "",
            tenant_id=_request_tenant_id(request) if request is not None else None,
            user_id=user_id,
        )
    except Exception:
        logger.exception("Could not record a request exception")


def on_task_failure(
    sender: Any = None,
    task_id: str | None = None,
    exception: BaseException | None = None,
    traceback: TracebackType | None = None,
    **kwargs: Any,
) -> None:
    """Celery task_failure receiver: the task name is kept in `path`."""
    try:
        if exception is None:
            return
        from apps.tenancy.context import connection_tenant

        try:
            tenant = connection_tenant()
        except Exception:  # noqa: BLE001 - a broken connection must not stop the record
            tenant = None
        application_error_record(
            exc=exception,
            trace=traceback,
            source=ApplicationErrorSource.TASK,
            path=str(getattr(sender, "name", "") or ""),
            tenant_id=tenant.pk if tenant is not None else None,
        )
    except Exception:
        logger.exception("Could not record a task failure")
