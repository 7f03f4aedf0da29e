"""Where a webhook may be sent: HTTPS to a public address, unless development allows otherwise.

`WEBHOOKS_ALLOW_HTTP` (local and test settings) permits plain http; `WEBHOOKS_ALLOW_PRIVATE` permits
hosts that resolve to private, loopback, link-local or reserved addresses. The check runs when an
endpoint is saved and again before every send (a public name may later resolve to 10.0.0.1).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError


def _allow_http() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_HTTP", False))


def _allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False))


def host_addresses(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationError(
            "The host %(host)s could not be resolved.", code="url_unresolvable", params={"host": host}
        ) from exc
    return sorted({str(info[4][0]) for info in infos})


def address_check(host: str) -> None:
    """Refuse a host that is (or resolves to) a non-public address, unless allowed."""
    if _allow_private():
        return
    for address in host_addresses(host):
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global:
            raise ValidationError(
                "The host %(host)s resolves to %(address)s, a private, loopback or link-local address; "
                "webhooks are only sent to public addresses.",
                code="url_private_address",
                params={"host": host, "address": address},
            )


def endpoint_url_check(url: str) -> str:
    """The URL, stripped, or ValidationError (on field `url`) saying what is wrong with it."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ValidationError({"url": ValidationError("This is not a valid URL.", code="url_invalid")}) from exc
    if parts.scheme not in ("https", "http") or not host:
        raise ValidationError({"url": ValidationError("Enter a full https:// URL.", code="url_invalid")})
    if parts.scheme == "http" and not _allow_http():
        raise ValidationError({"url": ValidationError("Webhook URLs must use HTTPS.", code="url_not_https")})
    if parts.username or parts.password:
        raise ValidationError(
            {"url": ValidationError("Put no user name or password in the URL.", code="url_credentials")}
        )
    try:
        address_check(host)
    except ValidationError as exc:
        raise ValidationError({"url": exc}) from exc
    return url
