"""Writes on integrator API keys. Run in the tenant's schema (a request on its domain, or tenant_context)."""

import hashlib
import secrets
import string
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.audit import writes
from apps.audit.services import audit_record
from apps.tenancy.context import connection_tenant

from .models import ApiKey
from .scopes import scopes_normalise, scopes_validate

KEY_MARKER = "nf_"
PREFIX_ALPHABET = string.ascii_lowercase + string.digits


def api_key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_prefix() -> str:
    # 36^8 prefixes: a collision is rare, but the prefix is unique, so pick again rather than fail.
    while True:
        prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(8))
        if not ApiKey.objects.filter(prefix=prefix).exists():
            return prefix


API_KEY_AUDITED = writes.Fields("name", "prefix", "scopes", "expires_at")


def _expiry_check(expires_at: datetime | None) -> None:
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(
            {"expires_at": ValidationError("The expiry must be in the future.", code="expiry_in_past")}
        )


def _name_check(name: str) -> None:
    # The database constraint backs this up; checking first puts the error on the name field.
    if ApiKey.objects.filter(revoked_at__isnull=True, name__iexact=name.strip()).exists():
        error = ValidationError("An active API key with this name already exists.", code="name_taken")
        raise ValidationError({"name": error})


@transaction.atomic
def api_key_create(
    *, name: str, scopes: list[str], expires_at: datetime | None = None, acting_user: Any
) -> tuple[ApiKey, str]:
    """Create a key; returns it with the full secret, which is never stored and cannot be shown again."""
    try:
        scopes_validate(scopes)
    except ValidationError as exc:
        raise ValidationError({"scopes": exc}) from exc
    _expiry_check(expires_at)
    _name_check(name)
    prefix = _new_prefix()
    raw = f"{KEY_MARKER}{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey(
        name=name.strip(), prefix=prefix, key_hash=api_key_hash(raw), scopes=scopes_normalise(scopes),
        expires_at=expires_at, created_by=writes.history_user(acting_user),
    )  # fmt: skip
    writes.save(api_key, acting_user=acting_user)
    audit_record(
        action="api_key.created",
        acting_user=acting_user,
        tenant=connection_tenant(),
        target=api_key,
        after=writes.snapshot(api_key, API_KEY_AUDITED),
    )
    return api_key, raw


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, acting_user: Any) -> ApiKey:
    api_key = writes.locked(api_key)
    if api_key.revoked_at is not None:
        raise ValidationError("This API key was already revoked.", code="already_revoked")
    api_key.revoked_at = timezone.now()
    api_key.revoked_by = writes.history_user(acting_user)
    writes.save(api_key, acting_user=acting_user, update_fields=["revoked_at", "revoked_by"])
    audit_record(
        action="api_key.revoked", acting_user=acting_user, tenant=connection_tenant(), target=api_key,
        before={"status": "active"}, after={**writes.snapshot(api_key, API_KEY_AUDITED), "status": "revoked"},
    )  # fmt: skip
    return api_key


def api_key_touch(*, api_key: ApiKey, ip_address: str | None) -> None:
    """Record use at most once a minute per key (a conditional UPDATE, so concurrent calls write once)."""
    now = timezone.now()
    stale = now - timedelta(seconds=60)
    if api_key.last_used_at is not None and api_key.last_used_at > stale:
        return
    due = Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale)
    updated = ApiKey.objects.filter(due, pk=api_key.pk).update(last_used_at=now, last_used_ip=ip_address)
    if updated:
        api_key.last_used_at, api_key.last_used_ip = now, ip_address
