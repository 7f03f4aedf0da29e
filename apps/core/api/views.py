from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

_RootSerializer = inline_serializer(
    name="TenantApiRoot",
    fields={
        "tenant": serializers.URLField(),
        "schema": serializers.URLField(),
        "docs": serializers.URLField(),
    },
)


class TenantApiRootView(APIView):
    """Entry point of the tenant API: links to its resources, schema and documentation."""

    permission_classes = [AllowAny]

    @extend_schema(summary="API root", description="Links to the tenant API's resources.", responses=_RootSerializer)
    def get(self, request: Request) -> Response:
        return Response(
            {
                "tenant": reverse("tenant-api:current-tenant", request=request),
                "schema": reverse("tenant-api:schema", request=request),
                "docs": reverse("tenant-api:docs", request=request),
            }
        )
