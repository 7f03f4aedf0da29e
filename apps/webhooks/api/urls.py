"""Tenant API webhook endpoints (included at /api/v1/, inside the "tenant-api" namespace)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("webhooks/endpoints", views.EndpointViewSet, basename="webhook-endpoint")
router.register("webhooks/deliveries", views.DeliveryViewSet, basename="webhook-delivery")

urlpatterns = router.urls
