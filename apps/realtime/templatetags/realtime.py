"""`{% load realtime %}{% realtime_meta %}` in a page's <head>: where the page's scripts open the socket
(<meta name="nf-realtime-url">) and the client, static/realtime/realtime.js (window.NFRealtime)."""

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.http.request import split_domain_port
from django.templatetags.static import static
from django.utils.html import format_html
from django_tenants.utils import get_public_schema_name

register = template.Library()


def realtime_url(request: HttpRequest) -> str:
    """REALTIME_URL outright; else the page's host on REALTIME_PORT (`make run`: sockets on the web
    port + 1); else the page's own host and port (one ASGI server or a proxy routing /ws/)."""
    if settings.REALTIME_URL:
        return settings.REALTIME_URL
    scheme = "wss" if request.is_secure() else "ws"
    host = request.get_host()
    if settings.REALTIME_PORT:
        name, _port = split_domain_port(host)
        host = f"[{name}]:{settings.REALTIME_PORT}" if ":" in name else f"{name}:{settings.REALTIME_PORT}"
    return f"{scheme}://{host}/ws/"


@register.simple_tag(takes_context=True)
def realtime_meta(context: template.Context) -> str:
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    if request is None or tenant is None or tenant.schema_name == get_public_schema_name():
        return ""  # the platform domain serves no sockets
    return format_html(
        '<meta name="nf-realtime-url" content="{}">\n<script src="{}" defer></script>',
        realtime_url(request),
        static("realtime/realtime.js"),
    )
