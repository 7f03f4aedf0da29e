"""Platform API (/api/ on the platform domain): staff and operator endpoints."""

from rest_framework.routers import DefaultRouter

from apps.tenancy.api.views import PlatformTenantViewSet

app_name = "platform-api"

router = DefaultRouter()
router.register("tenants", PlatformTenantViewSet, basename="tenant")

urlpatterns = router.urls
