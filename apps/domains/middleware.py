"""The `ask` endpoint of Caddy's on-demand TLS: GET /internal/tls/allow?domain=<host>.

Answered here, before tenant routing, because Caddy calls it on the application's loopback address
(`http://127.0.0.1:8000/...`), a host no tenant or platform site is served at. Only a direct caller on
TLS_ASK_ALLOWED_PEERS gets an answer: a request that came through a proxy (any forwarding header,
which Caddy's reverse_proxy always adds) is refused, so the endpoint cannot be reached from outside
even if a site block forgot to hide /internal/ (docs/deploy/caddy.md).
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django_tenants.utils import schema_context

from .tls import tls_ask_answer

ASK_PATH = "/internal/tls/allow"
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP", "HTTP_X_FORWARDED_HOST")


def ask_caller_refusal(request: HttpRequest) -> JsonResponse | None:
    if request.method not in ("GET", "HEAD"):
        return JsonResponse({"detail": "Use GET.", "code": "method_not_allowed"}, status=405)
    proxied = any(header in request.META for header in FORWARDING_HEADERS)
    if proxied or request.META.get("REMOTE_ADDR") not in settings.TLS_ASK_ALLOWED_PEERS:
        return JsonResponse({"detail": "Only the TLS proxy on this host may ask.", "code": "not_internal"}, status=403)
    return None


def ask_view(request: HttpRequest) -> JsonResponse:
    refusal = ask_caller_refusal(request)
    if refusal is not None:
        return refusal
    with schema_context("public"):  # before routing the connection may still be on the last tenant's schema
        answer = tls_ask_answer(request.GET.get("domain", ""))
    return JsonResponse({"allowed": answer.allowed, "code": answer.code, "detail": answer.detail}, status=answer.status)


class TlsAskMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == ASK_PATH:
            return ask_view(request)
        return self.get_response(request)
