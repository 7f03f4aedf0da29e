"""Platform API: the tenants registered on the platform (/api/platform/tenants/, staff only).

The current-tenant endpoint of the tenant API is apps/domains/api/views.py."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import filters, viewsets
from rest_framework.permissions import BasePermission

from apps.tenancy.models import Tenant

from .serializers import TenantSerializer


class StaffCanViewTenants(BasePermission):
    message = "Only platform staff with the 'view tenant' permission may list tenants."

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff and user.has_perm("tenancy.view_tenant"))


@extend_schema_view(
    list=extend_schema(summary="List tenants", description="Every customer tenant, newest first (cursor paginated)."),
    retrieve=extend_schema(summary="Get a tenant", description="One tenant by id."),
)
class PlatformTenantViewSet(viewsets.ReadOnlyModelViewSet):
    """Platform staff: the tenants registered on the platform."""

    serializer_class = TenantSerializer
    permission_classes = [StaffCanViewTenants]
    filter_backends = [filters.SearchFilter]
    search_fields = ["name", "slug"]

    def get_queryset(self) -> QuerySet[Tenant]:
        return Tenant.objects.filter(is_template=False).exclude(schema_name="public").prefetch_related("domains")
