"""Tenant API: the organisation's webhook endpoints (CRUD, test event, secret rotation) and their
deliveries (read, replay). Tenant admins, or integrator API keys holding the `webhooks:read` /
`webhooks:write` scope. Another organisation's ids give 404.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.surfaces.api import TenantGenericViewSet, TenantModelViewSet
from apps.webhooks import services
from apps.webhooks.models import WebhookDelivery, WebhookEndpoint
from apps.webhooks.selectors import tenant_deliveries, tenant_delivery_get, tenant_endpoint_get, tenant_endpoints

from .serializers import (
    DeliveryDetailSerializer,
    DeliverySerializer,
    EndpointSerializer,
    EndpointWithSecretSerializer,
    RotateSerializer,
)

WHO = "Tenant admins, or API keys with the `webhooks:read` (GET) / `webhooks:write` scope."
URL_RULES = "The URL must be https:// and resolve to a public address (400 `url_not_https`, `url_private_address`)."


@extend_schema_view(
    list=extend_schema(
        summary="List webhook endpoints",
        description=f"The organisation's endpoints, newest first (keyset pagination). {WHO}",
    ),
    retrieve=extend_schema(summary="Get a webhook endpoint", description=f"One endpoint (never its secret). {WHO}"),
    create=extend_schema(
        summary="Create a webhook endpoint",
        responses={201: EndpointWithSecretSerializer},
        description=f"A new enabled endpoint subscribed to `enabled_events`. The response carries the signing "
        f"`secret`, shown only once. {URL_RULES} {WHO}",
    ),
    partial_update=extend_schema(
        summary="Update a webhook endpoint",
        description=f"Change the URL, description or events; `enabled` false disables it, true enables it again "
        f"(and resets its failure count). {URL_RULES} {WHO}",
    ),
    update=extend_schema(summary="Replace a webhook endpoint", description=f"As PATCH, with every field. {WHO}"),
    destroy=extend_schema(
        summary="Delete a webhook endpoint", description=f"The endpoint and its delivery log are deleted. {WHO}"
    ),
)
class EndpointViewSet(TenantModelViewSet):
    tenant_access = "admin"
    resource_family = "webhooks"
    serializer_class = EndpointSerializer
    lookup_field = "uuid"
    lookup_value_converter = "uuid"

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        if getattr(self, "swagger_fake_view", False):
            return WebhookEndpoint.objects.none()
        return tenant_endpoints(self.request.tenant)  # type: ignore[attr-defined]

    def get_object(self) -> WebhookEndpoint:
        return tenant_endpoint_get(tenant=self.request.tenant, uuid=self.kwargs["uuid"])  # type: ignore[attr-defined]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        endpoint, secret = services.webhook_endpoint_create(
            tenant=request.tenant,
            url=data["url"],
            enabled_events=data["enabled_events"],  # type: ignore[attr-defined]
            description=data.get("description", ""),
            acting_user=request.user,
        )
        body = EndpointWithSecretSerializer(endpoint, context={"secret": secret}).data
        return Response(body, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endpoint = self.get_object()
        serializer = self.get_serializer(endpoint, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        enabled = data.pop("enabled", None)
        if data:
            endpoint = services.webhook_endpoint_update(endpoint=endpoint, acting_user=request.user, **data)
        if enabled is False:
            endpoint = services.webhook_endpoint_disable(
                endpoint=endpoint, reason="Disabled through the API.", acting_user=request.user
            )
        elif enabled is True:
            endpoint = services.webhook_endpoint_enable(endpoint=endpoint, acting_user=request.user)
        return Response(EndpointSerializer(endpoint).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.webhook_endpoint_delete(endpoint=self.get_object(), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Send a test event",
        request=None,
        responses={202: DeliverySerializer},
        description=f"Queue a `webhook.test` event to this endpoint only; follow the returned delivery. 400 "
        f"`endpoint_disabled` when it is disabled. {WHO}",
    )
    @action(detail=True, methods=["post"])
    def test(self, request: Request, uuid: Any = None) -> Response:
        delivery = services.webhook_test_send(endpoint=self.get_object(), acting_user=request.user)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Rotate the signing secret",
        request=RotateSerializer,
        responses={200: EndpointWithSecretSerializer},
        description="A new signing secret (in `secret`, shown only once). The previous secret keeps signing "
        f"deliveries as a second `v1` for `overlap_hours` (default 24, 0 = stop now). {WHO}",
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, uuid: Any = None) -> Response:
        serializer = RotateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint, secret = services.webhook_secret_rotate(
            endpoint=self.get_object(),
            acting_user=request.user,
            overlap_hours=serializer.validated_data["overlap_hours"],
        )
        return Response(EndpointWithSecretSerializer(endpoint, context={"secret": secret}).data)


DELIVERY_FILTERS = [
    OpenApiParameter("endpoint", str, description="Only deliveries to this endpoint (its id)."),
    OpenApiParameter("status", str, enum=list(WebhookDelivery.Status.values), description="Only this status."),
]


@extend_schema_view(
    list=extend_schema(
        summary="List webhook deliveries",
        parameters=DELIVERY_FILTERS,
        description=f"Deliveries to the organisation's endpoints, newest first (keyset pagination). {WHO}",
    ),
    retrieve=extend_schema(
        summary="Get a webhook delivery",
        description=f"One delivery with its payload and every attempt (status, latency, response "
        f"excerpt, error). {WHO}",
    ),
)
class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    tenant_access = "admin"
    resource_family = "webhooks"
    lookup_field = "uuid"
    lookup_value_converter = "uuid"

    def get_serializer_class(self) -> Any:
        return DeliveryDetailSerializer if self.action == "retrieve" else DeliverySerializer

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        deliveries = tenant_deliveries(self.request.tenant)  # type: ignore[attr-defined]
        params = self.request.query_params
        if params.get("endpoint"):
            endpoint = tenant_endpoint_get(tenant=self.request.tenant, uuid=params["endpoint"])  # type: ignore[attr-defined]
            deliveries = deliveries.filter(endpoint=endpoint)
        if params.get("status") in WebhookDelivery.Status.values:
            deliveries = deliveries.filter(status=params["status"])
        return deliveries

    def get_object(self) -> WebhookDelivery:
        return tenant_delivery_get(tenant=self.request.tenant, uuid=self.kwargs["uuid"])  # type: ignore[attr-defined]

    @extend_schema(
        summary="Replay a delivery",
        request=None,
        responses={202: DeliverySerializer},
        description=f"Queue the same event again to the same endpoint as a new delivery (new delivery id, same "
        f"body). 400 `endpoint_disabled` when the endpoint is disabled. {WHO}",
    )
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, uuid: Any = None) -> Response:
        replay = services.webhook_delivery_replay(delivery=self.get_object(), acting_user=request.user)
        return Response(DeliverySerializer(replay).data, status=status.HTTP_202_ACCEPTED)
