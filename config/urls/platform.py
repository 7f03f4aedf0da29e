"""URLs of the platform domain: staff admin, platform API and its schema, health."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.core.views import healthz

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/timeline/", include("apps.timeline.admin_urls")),  # per-tenant timeline (staff)
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="config.urls.api_platform_schema"), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/platform/", include("config.urls.api_platform")),
    path("billing/webhooks/", include("apps.billing.webhook_urls")),
    path("healthz", healthz, name="healthz"),
]
