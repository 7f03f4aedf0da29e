"""The current tenant in the tenant API (/api/v1/tenant/), contributed by apps/domains/contributions.py."""

from django.urls import path

from .views import CurrentTenantView

urlpatterns = [path("tenant/", CurrentTenantView.as_view(), name="current-tenant")]
