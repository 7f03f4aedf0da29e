"""Reads on integrator API keys (in the current tenant's schema)."""

import hmac
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from .models import ApiKey
from .services import KEY_MARKER, api_key_hash


def api_keys_list() -> QuerySet[ApiKey]:
    return ApiKey.objects.select_related("created_by", "revoked_by")


def api_key_get(*, pk: Any) -> ApiKey:
    """One key of this tenant; the same 404 for a missing key and another tenant's (not in this schema)."""
    api_key = api_keys_list().filter(pk=pk).first() if str(pk).isdigit() else None
    if api_key is None:
        raise Http404("No such API key in this organisation.")
    return api_key


def api_key_find(*, raw: str) -> ApiKey | None:
    """The key whose full secret is `raw`, in this schema only; None when there is none."""
    marker, _, rest = raw.partition(KEY_MARKER)
    prefix, _, secret = rest.partition("_")
    if marker or len(prefix) != 8 or not secret:
        return None
    api_key = ApiKey.objects.filter(prefix=prefix).first()
    if api_key is None or not hmac.compare_digest(api_key.key_hash, api_key_hash(raw)):
        return None
    return api_key
