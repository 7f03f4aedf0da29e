"""Sign-in hand-offs: a one-time link that signs a person in on a tenant's domain.

Sessions are per host, so someone signed in on the platform domain reaches a tenant's portal signed
in only through one of these: the new customer at the end of self-service signup (purpose "signup"),
a staff member who starts an impersonation (purpose "impersonation"). `handoff_issue` returns the
token (stored hashed, valid for two minutes, usable once); `handoff_url` the absolute link on the
tenant's primary domain; `handoff_redeem` consumes it for the tenant whose domain received it. The
view that signs the browser in is apps/portal/handoff.py; what a purpose does after the sign-in is
in `SignInHandoff.payload`, stored in the session under `HANDOFF_SESSION_KEY`.
"""

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.core.links import site_base_url

from .models import SignInHandoff

HANDOFF_TTL = timedelta(minutes=2)
HANDOFF_SESSION_KEY = "signin_handoff"
TENANT_URLCONF = "config.urls.tenant"


class HandoffRefused(Exception):
    """The link is unknown, used, expired or for another tenant: the page says it no longer works."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def handoff_issue(
    *,
    user: Any,
    tenant: Any,
    purpose: str,
    created_by: Any = None,
    payload: dict[str, Any] | None = None,
    next_path: str = "/manage/",
    ttl: timedelta = HANDOFF_TTL,
) -> str:
    """Create a one-time hand-off of `user` to `tenant`'s domain; returns the token (shown once)."""
    if not next_path.startswith("/") or next_path.startswith("//"):
        raise ValueError("next_path must be a path on the tenant's domain")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    SignInHandoff.objects.create(
        token_hash=_hash(token), user=user, tenant=tenant, purpose=purpose, payload=payload or {},
        next_path=next_path, created_by=created_by, created_at=now, expires_at=now + ttl,
    )  # fmt: skip
    return token


def handoff_url(*, token: str, tenant: Any) -> str:
    """The absolute link on the tenant's primary domain that redeems `token`."""
    domain = tenant.domains.filter(is_primary=True).values_list("domain", flat=True).first()
    if domain is None:
        raise HandoffRefused("The organisation has no domain yet.")
    return site_base_url(domain) + reverse("portal:handoff", args=[token], urlconf=TENANT_URLCONF)


def handoff_redeem(*, token: str, tenant: Any) -> SignInHandoff:
    """Consume the hand-off for this tenant (once, before expiry) and return it."""
    now = timezone.now()
    with transaction.atomic():
        handoff = (
            SignInHandoff.objects.select_for_update()
            .select_related("user")
            .filter(token_hash=_hash(token or ""), tenant=tenant, used_at__isnull=True, expires_at__gt=now)
            .first()
        )
        if handoff is None or not handoff.user.is_active:
            raise HandoffRefused("This sign-in link has expired or was already used.")
        handoff.used_at = now
        handoff.save(update_fields=["used_at"])
    return handoff
