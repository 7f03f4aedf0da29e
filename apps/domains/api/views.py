"""Tenant API: the current tenant (/api/v1/tenant/) and its domains (/api/v1/domains/)."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from apps.surfaces.api import TenantGenericAPIView, TenantListAPIView
from apps.tenancy.api.serializers import TenantSerializer
from apps.tenancy.models import Domain, Tenant

from .serializers import DomainSerializer


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


class DomainListView(TenantListAPIView):
    """The organisation's domains with their DNS verification and HTTPS certificate status."""

    serializer_class = DomainSerializer
    # Tenant admins (who manage domains in the portal), or an API key with tenant:read (a monitoring script).
    tenant_access = "admin"
    required_scopes = {method: ["tenant:read"] for method in ("GET", "HEAD", "OPTIONS")}
    tenant_field = "tenant"  # a public-schema table: only this organisation's rows
    queryset = Domain.objects.all()

    @extend_schema(
        summary="List the organisation's domains",
        description="Every domain of this organisation, newest first: whether it is verified (the DNS TXT "
        "record was found) and what the certificate check last found (`tls_status`: `active` issued, "
        "`expiring` within the warning window, `failed` with `tls_error`, `none` not checked), with the "
        "certificate's expiry and the check's time. Tenant admins, or API keys with `tenant:read`.",
        responses={
            200: DomainSerializer(many=True),
            403: OpenApiResponse(description="Not a tenant admin of this organisation (`tenant_admin_required`), "
                                 "or an API key without `tenant:read` (`insufficient_scope`)."),
        },
    )  # fmt: skip
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
