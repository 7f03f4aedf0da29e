"""Tenant API (/api/v1/ on a tenant's domain): what integrators call."""

from django.urls import path

from apps.backoffice.urls import tenant_api_patterns
from apps.branding.views import BrandedRedocView, BrandedSchemaView, BrandedSwaggerView
from apps.portal.api_root import TenantApiRootView

app_name = "tenant-api"

TENANT_SCHEMA_SETTINGS = {
    "TITLE": "NIDIA Flow Tenant API",
    "DESCRIPTION": "The API of one organisation on NIDIA Flow, served on the organisation's own domain.",
    "VERSION": "1.0.0",
}

urlpatterns = [
    path("", TenantApiRootView.as_view(), name="root"),
    *tenant_api_patterns(),  # every app's endpoints (TenantApiUrls in apps/<app>/contributions.py)
    path(
        "schema/",
        BrandedSchemaView.as_view(urlconf="config.urls.api_tenant_schema", custom_settings=TENANT_SCHEMA_SETTINGS),
        name="schema",
    ),
    path("docs/", BrandedSwaggerView.as_view(url_name="tenant-api:schema"), name="docs"),
    path("redoc/", BrandedRedocView.as_view(url_name="tenant-api:schema"), name="redoc"),
]
