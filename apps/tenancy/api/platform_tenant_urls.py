"""The platform API's first tenant endpoints (/api/platform/tenants/), kept as they were beside v1/."""

from rest_framework.routers import DefaultRouter

from .views import PlatformTenantViewSet

router = DefaultRouter()
router.register("tenants", PlatformTenantViewSet, basename="tenant")

urlpatterns = router.urls
