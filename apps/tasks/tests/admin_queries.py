"""How many queries a staff admin changelist takes in a tenant's schema (tasks, routines and timesheets
assert it does not grow with rows)."""

from typing import Any

from django.contrib import admin
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context


def changelist_queries(model: Any, user: Any, tenant: Any) -> int:
    """The queries of rendering `model`'s changelist for `user` inside `tenant`'s schema."""
    model_admin = admin.site._registry[model]
    request = RequestFactory().get(f"/admin/{model._meta.app_label}/{model._meta.model_name}/")
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    with tenant_context(tenant), CaptureQueriesContext(connection) as queries:
        response = model_admin.changelist_view(request)
        response.render()  # type: ignore[attr-defined]
    assert response.status_code == 200
    return len(queries)


def changelists_queries(app_label: str, user: Any, tenant: Any) -> dict[str, int]:
    """Every registered model of the app → its changelist's query count."""
    models = [model for model in admin.site._registry if model._meta.app_label == app_label]
    return {model.__name__: changelist_queries(model, user, tenant) for model in models}
