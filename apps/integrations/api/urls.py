"""Tenant API: integrator API keys."""

from rest_framework.routers import SimpleRouter

from .views import ApiKeyViewSet

app_name = "api-keys-api"

router = SimpleRouter()
router.register("api-keys", ApiKeyViewSet, basename="api-key")

urlpatterns = router.urls
