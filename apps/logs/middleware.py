"""Logs every /api/ request into the Redis buffer: no database query on the request path."""

import random
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, empty
from django_tenants.utils import get_public_schema_name

from .buffer import buffer_push


def _evaluated_user(request: HttpRequest) -> Any:
    """request.user only if something already resolved it (DRF does): reading a lazy one costs a query."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        wrapped = user._wrapped  # type: ignore[attr-defined]
        return None if wrapped is empty else wrapped
    return user


def request_log_entry(request: HttpRequest, response: HttpResponse, duration_ms: int) -> dict[str, Any]:
    """The buffered row, built from what the request already holds in memory."""
    user = _evaluated_user(request)
    api_key = getattr(user, "api_key", None)
    tenant = getattr(request, "tenant", None)
    tenant_id = None
    if tenant is not None and getattr(tenant, "schema_name", None) != get_public_schema_name():
        tenant_id = str(tenant.pk) if tenant.pk else None
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    return {
        "created_at": timezone.now().isoformat(),
        "method": request.method[:10] if request.method else "",
        "path": request.path[:512],
        "status_code": response.status_code,
        "duration_ms": max(duration_ms, 0),
        "tenant_id": tenant_id,
        "user_id": str(user.pk) if authenticated and api_key is None and user.pk is not None else None,
        "api_key_prefix": getattr(api_key, "prefix", "")[:16] if api_key is not None else "",
        "correlation_id": getattr(request, "correlation_id", "")[:128],
        "ip_address": request.META.get("REMOTE_ADDR") or None,
        "user_agent": request.headers.get("User-Agent", "")[:256],
    }


def should_log(status_code: int) -> bool:
    """Errors always; successful requests with probability API_REQUEST_LOG_SAMPLE_RATE."""
    if status_code >= 400:
        return True
    rate = float(settings.API_REQUEST_LOG_SAMPLE_RATE)
    return rate >= 1.0 or random.random() < rate  # noqa: S311 - sampling, not security


class ApiRequestLogMiddleware:
    """Right after CorrelationIdMiddleware: sees the final response and the resolved tenant and user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        if should_log(response.status_code):
            duration_ms = int((time.perf_counter() - started) * 1000)
            buffer_push(request_log_entry(request, response, duration_ms))
        return response
