"""Tenant API: the company profile (/api/v1/company/)."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from apps.reference.services import company_profile_update
from apps.surfaces.api import TenantGenericAPIView, validated

from ..portal.views import company_record_for
from .serializers import CompanyProfileSerializer


class CompanyProfileView(TenantGenericAPIView):
    """The organisation's company profile."""

    serializer_class = CompanyProfileSerializer
    tenant_access = "member_read_admin_write"
    resource_family = "company"

    @extend_schema(
        summary="Company profile",
        description="Legal entity name, business names, business number and how it was verified (the "
        "Australian Business Register for an ABN), entity type, GST registration, display name and its source, "
        "industry, size, billing email and address, parent company. Members, or API keys with `company:read`.",
    )
    def get(self, request: Request) -> Response:
        record = company_record_for(request.tenant)  # type: ignore[attr-defined]
        return Response(self.get_serializer(record).data)

    @extend_schema(
        summary="Change the company profile",
        description="Tenant admins (or API keys with `company:write`). Register fields are read-only; the display "
        "name follows `display_name_source` (`custom` needs `custom_display_name`, `business` a business name). "
        "Errors: 400 with the field.",
        request=CompanyProfileSerializer,
        responses=CompanyProfileSerializer,
    )
    def patch(self, request: Request) -> Response:
        tenant = request.tenant  # type: ignore[attr-defined]
        values = validated(CompanyProfileSerializer, request, partial=True)
        company_profile_update(tenant=tenant, acting_user=request.user, **values)
        tenant.refresh_from_db()
        return Response(self.get_serializer(company_record_for(tenant)).data)
