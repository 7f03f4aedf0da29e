"""Tenant API endpoints of this app (included by config/urls/api_tenant.py, inside "tenant-api")."""

from rest_framework.routers import SimpleRouter

from .views import EntityTypeViewSet, EntityViewSet, PersonViewSet

router = SimpleRouter()
router.register("entity-types", EntityTypeViewSet, basename="entity-type")
router.register("entities", EntityViewSet, basename="entity")
router.register("people", PersonViewSet, basename="person")

urlpatterns = router.urls
