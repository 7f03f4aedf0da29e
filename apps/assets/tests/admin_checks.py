"""Render a tenant-schema model's staff changelist and count its queries (the three operations apps'
admin tests use it: a changelist must not query per row)."""

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
