"""Render a tenant-schema model's staff changelist and count its queries (the three operations apps'
admin tests use it: a changelist must not query per row)."""

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context


def changelist(model: Any, *, tenant: Any, user: Any, **params: Any) -> tuple[str, int]:
    """(the page, how many queries it took) of `model`'s changelist inside `tenant`'s schema."""
    request = RequestFactory().get(f"/admin/{model._meta.app_label}/{model._meta.model_name}/", params)
    request.user, request.session = user, SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    with tenant_context(tenant), CaptureQueriesContext(connection) as queries:
        response = admin.site._registry[model].changelist_view(request)
        response.render()  # type: ignore[attr-defined]
    return response.content.decode(), len(queries)


def assert_read_only_and_constant(model: Any, *, tenant: Any, user: Any, more: Callable[[int], None]) -> None:
    """`model`'s changelist is read-only, takes at most 12 queries and as many with more rows (`more(n)` adds
    n of them, in the tenant's schema)."""
    more(1)
    _page, few = changelist(model, tenant=tenant, user=user)
    more(4)
    _page, many = changelist(model, tenant=tenant, user=user)
    assert many == few and few <= 12, (model, few, many)
    assert not admin.site._registry[model].has_change_permission(RequestFactory().get("/"))  # the services write
