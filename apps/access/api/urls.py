"""Tenant API endpoints of this app (included by config/urls/api_tenant.py, no namespace of its own)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import AssignmentViewSet, ExplainView, RoleViewSet

router = SimpleRouter()
router.register("roles", RoleViewSet, basename="role")
router.register("assignments", AssignmentViewSet, basename="assignment")

urlpatterns = [
    path("access/explain/", ExplainView.as_view(), name="access-explain"),
    *router.urls,
]
