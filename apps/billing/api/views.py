"""Tenant API: the organisation's plan catalogue, subscription (preview, then change) and invoices.

Tenant admins only, signed in (session or access token). Members get 403 `tenant_admin_required`;
integrator API keys get 403 `api_key_not_allowed` (there is no billing scope: billing is a person's
decision). Amounts are decimal strings at the currency's precision ("53.90" AUD, "4900" JPY, "1.235" KWD).
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response

from apps.billing.models import Invoice, Subscription
from apps.billing.portal.selectors import live_subscription, tenant_invoice_get, tenant_invoices
from apps.surfaces.api import TenantAPIView, TenantGenericViewSet, TenantListAPIView
from apps.tenancy.models import Plan

from .serializers import (
    ChangePreviewSerializer,
    ChangeRequestSerializer,
    InvoiceDetailSerializer,
    InvoiceSerializer,
    PlanSerializer,
    SubscriptionChangeSerializer,
    SubscriptionSerializer,
)

WHO = "Tenant admins only; API keys are refused (`api_key_not_allowed`)."


NO_SUBSCRIPTION = {404: OpenApiResponse(description="This organisation has no subscription.")}


class BillingAPIView(TenantAPIView):
    tenant_access = "admin"

    def subscription(self, request: Request) -> Subscription:
        subscription = live_subscription(request.tenant)  # type: ignore[attr-defined]
        if subscription is None:
            raise Http404("This organisation has no subscription.")
        return subscription


class PlanListView(TenantListAPIView):
    tenant_access = "admin"
    serializer_class = PlanSerializer
    pagination_class = None  # a short catalogue

    def get_queryset(self) -> QuerySet[Plan]:
        return Plan.objects.filter(is_active=True).order_by("display_order", "name")

    @extend_schema(summary="List plans", description=f"The active plans with their prices per cycle. {WHO}")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class SubscriptionView(BillingAPIView):
    @extend_schema(
        summary="Get the subscription",
        description=f"The organisation's live subscription: plan, cycle, seats, status, current period and the "
        f"renewal amount (before tax). 404 when there is none. {WHO}",
        responses={200: SubscriptionSerializer, **NO_SUBSCRIPTION},
    )
    def get(self, request: Request) -> Response:
        return Response(SubscriptionSerializer(self.subscription(request)).data)


def _wanted(request: Request) -> dict[str, Any]:
    serializer = ChangeRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class SubscriptionPreviewView(BillingAPIView):
    @extend_schema(
        summary="Preview a subscription change",
        description="What changing plan, billing cycle and/or seats would cost: the proration lines with tax, "
        "the totals, when it takes effect and the renewal charge after it. Nothing changes. Errors: 400 "
        f"`plan_inactive`, `quantity_below_members`, `no_change`, `currency_mismatch`. {WHO}",
        request=ChangeRequestSerializer,
        responses={200: ChangePreviewSerializer, **NO_SUBSCRIPTION},
    )
    def post(self, request: Request) -> Response:
        from apps.billing import services

        preview = services.change_preview(subscription=self.subscription(request), **_wanted(request))
        return Response(ChangePreviewSerializer(preview).data)


class SubscriptionChangeView(BillingAPIView):
    @extend_schema(
        summary="Change the subscription",
        description="Apply a plan, cycle and/or seat change (preview it first). By the plan's proration rule it "
        "applies now (an open invoice is issued when it costs something) or is scheduled for the renewal "
        f"(`status` scheduled). Same errors as the preview. {WHO}",
        request=ChangeRequestSerializer,
        responses={200: SubscriptionChangeSerializer, **NO_SUBSCRIPTION},
    )
    def post(self, request: Request) -> Response:
        from apps.billing import services

        change = services.change_apply(subscription=self.subscription(request), acting_user=request.user,
                                       **_wanted(request))  # fmt: skip
        change.subscription.refresh_from_db()
        return Response(SubscriptionChangeSerializer(change).data)


@extend_schema_view(
    list=extend_schema(
        summary="List invoices",
        description=f"The organisation's issued invoices, newest first (keyset pagination: follow `next`). {WHO}",
    ),
    retrieve=extend_schema(
        summary="Get an invoice", description=f"One invoice with its lines (net, tax, total). {WHO}"
    ),
)
class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    tenant_access = "admin"
    lookup_field = "uuid"
    lookup_value_converter = "uuid"

    def get_serializer_class(self) -> Any:
        return InvoiceDetailSerializer if self.action == "retrieve" else InvoiceSerializer

    def get_queryset(self) -> QuerySet[Invoice]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request tenant
            return Invoice.objects.none()
        return tenant_invoices(self.request.tenant)  # type: ignore[attr-defined]

    def get_object(self) -> Invoice:
        invoice = tenant_invoice_get(tenant=self.request.tenant, uuid=self.kwargs["uuid"])  # type: ignore[attr-defined]
        return Invoice.objects.prefetch_related("lines").get(pk=invoice.pk)
