"""The Content-Security-Policy middleware (django-csp) plus the WebSocket origin of the page's host.

The policy itself is CONTENT_SECURITY_POLICY in settings (docs/hardening.md). Pages open their socket
on the host they were served from (on REALTIME_PORT when set, as `make run` does) or at REALTIME_URL,
so connect-src cannot be one fixed list: each response adds exactly that origin.
"""

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase
from django.http.request import split_domain_port


def realtime_origin(request: HttpRequest) -> str:
    """The ws(s):// origin the page's scripts connect to (as apps.realtime's `realtime_url` builds it)."""
    if settings.REALTIME_URL:
        parts = urlsplit(settings.REALTIME_URL)
        return f"{parts.scheme}://{parts.netloc}"
    try:
        host = request.get_host()
    except DisallowedHost:
        return ""
    if settings.REALTIME_PORT:
        name, _port = split_domain_port(host)
        host = f"[{name}]:{settings.REALTIME_PORT}" if ":" in name else f"{name}:{settings.REALTIME_PORT}"
    return f"{'wss' if request.is_secure() else 'ws'}://{host}"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the page's WebSocket origin added to connect-src."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        origin = realtime_origin(request)
        if origin:
            parts.update = {**(parts.update or {}), "connect-src": [origin]}
        return parts
