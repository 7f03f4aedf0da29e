"""Tenant API endpoints of this app (included by config/urls/api_tenant.py, inside "tenant-api")."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import SolutionAccessViewSet, SolutionListView

router = SimpleRouter()
router.register("solution-access", SolutionAccessViewSet, basename="solution-access")

urlpatterns = [path("solutions/", SolutionListView.as_view(), name="solution-list"), *router.urls]
