"""The tenant API's root (/api/v1/): links to the resources the apps contribute. It lives with the
assembly (apps.portal) because it names other apps' URLs; core stays a leaf."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from apps.surfaces.api import TenantAPIView

_RootSerializer = inline_serializer(
    name="TenantApiRoot",
    fields={
        name: serializers.URLField()
        for name in (
            "tenant",
            "me",
            "members",
            "invitations",
            "api_keys",
            "token",
            "schema",
            "docs",
            "redoc",
        )
    },
)


class TenantApiRootView(TenantAPIView):
    """Entry point of the tenant API: links to its resources, schema and documentation."""

    tenant_access = "public"

    @extend_schema(summary="API root", description="Links to the tenant API's resources.", responses=_RootSerializer)
    def get(self, request: Request) -> Response:
        links = {
            "tenant": "tenant-api:current-tenant",
            "me": "tenant-api:members-api:me",
            "members": "tenant-api:members-api:member-list",
            "invitations": "tenant-api:invitations-api:invitation-list",
            "api_keys": "tenant-api:api-keys-api:api-key-list",
            "token": "tenant-api:tokens-api:obtain",
            "schema": "tenant-api:schema",
            "docs": "tenant-api:docs",
            "redoc": "tenant-api:redoc",
        }
        return Response({name: reverse(view, request=request) for name, view in links.items()})
