"""Tenant API: the current tenant (/api/v1/tenant/)."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from apps.surfaces.api import TenantGenericAPIView
from apps.tenancy.api.serializers import TenantSerializer
from apps.tenancy.models import Tenant


class CurrentTenantView(TenantGenericAPIView):
    """The tenant whose domain was called."""

    serializer_class = TenantSerializer
    # Active members, or an integrator API key with the scope tenant:read (keys only read it).
    tenant_access = "member"
    required_scopes = {method: ["tenant:read"] for method in ("GET", "HEAD", "OPTIONS")}

    @extend_schema(
        summary="Current tenant",
        description="The organisation this API host belongs to. Members, or API keys with `tenant:read`.",
    )
    def get(self, request: Request) -> Response:
        tenant = Tenant.objects.prefetch_related("domains").get(pk=request.tenant.pk)  # type: ignore[attr-defined]
        return Response(self.get_serializer(tenant).data)
