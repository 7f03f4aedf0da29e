"""Platform API (/api/ on the platform domain): staff and operator endpoints."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from apps.tenancy.api.views import PlatformTenantViewSet

app_name = "platform-api"

router = DefaultRouter()
router.register("tenants", PlatformTenantViewSet, basename="tenant")

# v1 (issue 4): tenants with lifecycle actions, provisioning jobs, plans. `tenants/` stays as it was.
urlpatterns = [path("v1/", include("apps.tenancy.api.platform_urls")), *router.urls]
