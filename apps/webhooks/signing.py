"""HMAC-SHA256 signatures of webhook bodies: `X-NidiaFlow-Signature: t=<unix>,v1=<hex>[,v1=<hex>]`.

The signed message is f"{t}.{body}"; during a secret rotation's overlap window there is one `v1`
per valid secret (current first). Receivers verify with `signature_verify` (the same code is in
docs/webhooks.md).
"""

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "X-NidiaFlow-Signature"
EVENT_HEADER = "X-NidiaFlow-Event"
DELIVERY_HEADER = "X-NidiaFlow-Delivery"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
TOLERANCE_SECONDS = 300


def secret_generate() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature_of(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets_: list[str], body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    return ",".join([f"t={t}", *(f"v1={signature_of(secret, t, body)}" for secret in secrets_)])


def signature_verify(
    *, header: str, body: bytes, secret: str, tolerance: int = TOLERANCE_SECONDS, now: float | None = None
) -> bool:
    """True when one `v1` of the header matches `secret` and the timestamp is recent enough."""
    parts = [item.split("=", 1) for item in header.split(",") if "=" in item]
    timestamps = [value for key, value in parts if key.strip() == "t"]
    if len(timestamps) != 1 or not timestamps[0].isdigit():
        return False
    t = int(timestamps[0])
    if abs((time.time() if now is None else now) - t) > tolerance:
        return False
    expected = signature_of(secret, t, body)
    return any(key.strip() == "v1" and hmac.compare_digest(value.strip(), expected) for key, value in parts)
