"""URLs of a tenant's domain: the tenant admin portal and the tenant API."""

from django.urls import include, path
from django.views.generic import RedirectView

from apps.backoffice.urls import portal_patterns
from apps.core.views import healthz, readyz

urlpatterns = [
    path("", RedirectView.as_view(url="/manage/", permanent=False)),
    *portal_patterns(),  # every app's pages under /manage/ (PortalUrls in apps/<app>/contributions.py)
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("config.urls.api_tenant")),
    path("healthz", healthz, name="healthz"),  # liveness
    path("readyz", readyz, name="readyz"),  # readiness: database, broker, migrations
]
