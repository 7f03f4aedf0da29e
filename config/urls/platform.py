"""URLs of the platform domain: staff admin, platform API and its schema, health and metrics."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from apps.backoffice.urls import platform_patterns
from apps.core.metrics import metrics_view
from apps.core.views import healthz, readyz
from apps.onboarding.views import platform_home

urlpatterns = [
    path("", platform_home, name="platform-home"),  # staff to the admin, a new customer to their onboarding
    *platform_patterns(),  # staff pages and provider callbacks the apps contribute (PlatformUrls)
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="config.urls.api_platform_schema"), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/platform/", include("config.urls.api_platform")),
    path("healthz", healthz, name="healthz"),  # liveness
    path("readyz", readyz, name="readyz"),  # readiness: database, broker, migrations
    path("metrics", metrics_view, name="metrics"),  # Prometheus, bearer METRICS_TOKEN (docs/observability.md)
]
