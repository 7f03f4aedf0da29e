"""Tenant API (/api/v1/ on a tenant's domain): what integrators call."""

from django.urls import include, path

from apps.branding.views import BrandedSchemaView, BrandedSwaggerView
from apps.portal.api_root import TenantApiRootView
from apps.tenancy.api.views import CurrentTenantView

app_name = "tenant-api"

TENANT_SCHEMA_SETTINGS = {
    "TITLE": "NIDIA Flow Tenant API",
    "DESCRIPTION": "The API of one organisation on NIDIA Flow, served on the organisation's own domain.",
    "VERSION": "1.0.0",
}

urlpatterns = [
    path("", TenantApiRootView.as_view(), name="root"),
    path("tenant/", CurrentTenantView.as_view(), name="current-tenant"),
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.invitations.api.urls")),
    path("auth/", include("apps.tokens.api.urls")),
    path("", include("apps.integrations.api.urls")),
    path("", include("apps.organisation.api.urls")),
    path("", include("apps.access.api.urls")),
    path("", include("apps.solutions.api.urls")),
    path("", include("apps.billing.api.urls")),
    path("", include("apps.webhooks.api.urls")),
    path("", include("apps.timeline.api.urls")),
    path("", include("apps.support.api.urls")),
    path("", include("apps.sysconfig.api.urls")),  # issue 7: public platform settings
    path("", include("apps.gdpr.api.urls")),  # issue 7: own consents and data exports
    path(
        "schema/",
        BrandedSchemaView.as_view(urlconf="config.urls.api_tenant_schema", custom_settings=TENANT_SCHEMA_SETTINGS),
        name="schema",
    ),
    path("docs/", BrandedSwaggerView.as_view(url_name="tenant-api:schema"), name="docs"),
]
