"""Tenant API: the platform's public settings (GET /api/v1/settings/). Tenant admins only."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.surfaces.api import TenantAPIView
from apps.sysconfig.services import settings_public


class PublicSettingSerializer(serializers.Serializer):
    key = serializers.CharField()
    value = serializers.JSONField(help_text="Typed: a number, boolean, string or JSON value (decimals as strings).")
    value_type = serializers.CharField(help_text="integer, boolean, string, json or decimal.")
    category = serializers.CharField()
    description = serializers.CharField()
    updated_at = serializers.DateTimeField()


class PublicSettingListView(TenantAPIView):
    tenant_access = "admin"

    @extend_schema(
        summary="List public platform settings",
        description="The platform settings marked public (password minimum length, token lifetimes, rate limits "
        "...), with typed values. Tenant admins only; API keys are refused (`api_key_not_allowed`).",
        responses=PublicSettingSerializer(many=True),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = settings_public()
        for row in rows:
            row["value"] = str(row["value"]) if row["value_type"] == "decimal" else row["value"]
        return Response(PublicSettingSerializer(rows, many=True).data)
