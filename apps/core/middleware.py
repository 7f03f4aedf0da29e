from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .correlation import (
    HEADER,
    clean_correlation_id,
    reset_client,
    reset_correlation_id,
    set_client,
    set_correlation_id,
)
from .logformat import reset_log_request, set_log_request


class CorrelationIdMiddleware:
    """Accepts or creates X-Request-ID, exposes it as request.correlation_id and on the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        correlation_id = clean_correlation_id(request.headers.get(HEADER))
        request.correlation_id = correlation_id  # type: ignore[attr-defined]
        token = set_correlation_id(correlation_id)
        client_token = set_client(request.META.get("REMOTE_ADDR"), request.headers.get("User-Agent", ""))
        log_token = set_log_request(request)  # log lines name the signed-in user's id (apps.core.logformat)
        try:
            response = self.get_response(request)
        finally:
            reset_correlation_id(token)
            reset_client(client_token)
            reset_log_request(log_token)
        response[HEADER] = correlation_id
        return response
