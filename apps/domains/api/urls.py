"""The current tenant and its domains in the tenant API (/api/v1/tenant/, /api/v1/domains/), contributed by
apps/domains/contributions.py."""

from django.urls import path

from .views import CurrentTenantView, DomainListView

urlpatterns = [
    path("tenant/", CurrentTenantView.as_view(), name="current-tenant"),
    path("domains/", DomainListView.as_view(), name="tenant-domain-list"),
]
