"""Platform API v1 routes (/api/platform/v1/), contributed by apps/backoffice/contributions.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import PlanViewSet, ProvisioningJobViewSet, StaffTokenView, TenantV1ViewSet

app_name = "v1"

router = SimpleRouter()
router.register("tenants", TenantV1ViewSet, basename="tenant")
router.register("provisioning-jobs", ProvisioningJobViewSet, basename="provisioning-job")
router.register("plans", PlanViewSet, basename="plan")

urlpatterns = [path("auth/token/", StaffTokenView.as_view(), name="staff-token"), *router.urls]
