"""Access tokens: signed (HMAC-SHA256 with SECRET_KEY), self-contained, short-lived.

A token carries the user id, the user's access_token_version, the tenant it was issued for, its
refresh-token family and its expiry, so checking it needs no database read except the user.
Revoking one family does not cut its access tokens short; they lapse within their lifetime
(ACCESS_TOKEN_LIFETIME_MINUTES). Bumping the user's version refuses them at once.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core import signing
from django.utils import timezone

from apps.sysconfig.readers import access_token_minutes

from .errors import token_error

SALT = "apps.tokens.access"


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    version: int
    tenant_id: str
    family_id: str
    expires_at: datetime


def access_token_lifetime() -> timedelta:
    return timedelta(minutes=access_token_minutes())


def access_token_issue(*, user: Any, tenant: Any, family: Any, now: datetime | None = None) -> tuple[str, datetime]:
    expires_at = (now or timezone.now()) + access_token_lifetime()
    payload = {
        "u": str(user.pk),
        "v": user.access_token_version,
        "t": str(tenant.pk),
        "f": str(family.pk),
        "e": int(expires_at.timestamp()),
    }
    return signing.dumps(payload, salt=SALT, compress=True), expires_at.replace(microsecond=0)


def access_token_read(raw: str, *, now: datetime | None = None) -> AccessClaims:
    """The claims of a genuine, unexpired token; TokenError `token_invalid` or `token_expired` otherwise."""
    try:
        payload = signing.loads(raw, salt=SALT)
        claims = AccessClaims(
            user_id=str(payload["u"]),
            version=int(payload["v"]),
            tenant_id=str(payload["t"]),
            family_id=str(payload["f"]),
            expires_at=datetime.fromtimestamp(int(payload["e"]), tz=UTC),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise token_error("token_invalid") from exc
    if claims.expires_at <= (now or timezone.now()):
        raise token_error("token_expired")
    return claims
