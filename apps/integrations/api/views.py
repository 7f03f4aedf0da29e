"""Tenant API: tenant admins manage the organisation's integrator API keys."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.integrations.models import ApiKey
from apps.integrations.selectors import api_key_get, api_keys_list
from apps.integrations.services import api_key_create, api_key_revoke
from apps.surfaces.api import TenantGenericViewSet

from .serializers import ApiKeyCreatedSerializer, ApiKeyCreateSerializer, ApiKeySerializer


@extend_schema_view(
    list=extend_schema(
        summary="List API keys",
        description="The organisation's API keys, newest first (never their secrets). Tenant admins, or an API "
        "key with `api_keys:read`.",
    ),
    retrieve=extend_schema(summary="Get an API key", description="One API key by id (never its secret)."),
)
class ApiKeyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    serializer_class = ApiKeySerializer
    tenant_access = "admin"
    # Keys may list keys; creating or revoking one needs a tenant admin (a key must not mint keys).
    required_scopes = {"GET": ["api_keys:read"], "HEAD": ["api_keys:read"], "OPTIONS": ["api_keys:read"]}

    def get_queryset(self) -> QuerySet[ApiKey]:
        return api_keys_list()

    def get_object(self) -> ApiKey:
        return api_key_get(pk=self.kwargs["pk"])

    @extend_schema(
        summary="Create an API key",
        description="Create a key with the given scopes and optional expiry. The response holds the full key "
        "(`key`) once; only its prefix is kept. Tenant admins only (session or access token).",
        request=ApiKeyCreateSerializer,
        responses={201: ApiKeyCreatedSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ApiKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        api_key, raw = api_key_create(**serializer.validated_data, acting_user=request.user)
        api_key.key = raw  # type: ignore[attr-defined]
        response = Response(ApiKeyCreatedSerializer(api_key).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        summary="Revoke an API key",
        description="Revoke a key: it is refused from now on (401 `api_key_revoked`). Tenant admins only. "
        "Revoking a revoked key is a 400 `already_revoked`.",
        request=None,
        responses={200: ApiKeySerializer},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        api_key = api_key_revoke(api_key=self.get_object(), acting_user=request.user)
        return Response(ApiKeySerializer(api_key).data)
