"""Tenant API of assets and maintenance: `/api/v1/operations/...`.

Members with access to the Workplaces solution read assets, plans and work orders, scan labels and
record meter readings; tenant admins create and change assets, categories and plans. API keys need
`operations:read` / `operations:write` and a role that reaches the solution. Refusals are
`{"detail", "code"}` bodies.
"""

import uuid
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.assets import services
from apps.assets.access import AssetsApiMixin
from apps.assets.models import Asset, AssetCategory, MaintenancePlan, MeterReading, WorkOrder
from apps.assets.selectors import (
    asset_by_label,
    asset_get,
    asset_list,
    plan_get,
    plan_list,
    plan_upcoming,
    work_order_list,
)
from apps.core.errors import refused
from apps.surfaces.api import TenantAPIView, TenantListAPIView, TenantListCreateAPIView, validated

from .serializers import (
    AssetCategorySerializer,
    AssetSerializer,
    AssetWriteSerializer,
    MaintenancePlanSerializer,
    MaintenancePlanWriteSerializer,
    MaintenanceUpcomingSerializer,
    MaintenanceWorkOrderSerializer,
    MeterReadingSerializer,
    MeterReadingWriteSerializer,
)

FORBIDDEN = OpenApiResponse(description="Not an active member (for changes: not a tenant admin), no access to the "
                            "Workplaces solution (`solution_access_required`, `solution_not_in_plan`), or an API key "
                            "without the `operations` scope.")  # fmt: skip
REFUSED = OpenApiResponse(description="Refused by a rule; `detail` says why and `code` names it (e.g. `not_a_site`, "
                          "`department_elsewhere`, `not_a_member`, `warranty_before_purchase`, `reading_decreased`, "
                          "`reading_out_of_order`, `invalid_rrule`, `unbounded_rrule`, `empty_rrule`).")  # fmt: skip
NOT_FOUND = OpenApiResponse(description="No such asset (or plan) in this organisation.")
KEY = OpenApiParameter("key", str, OpenApiParameter.PATH, description="The asset's id or code, e.g. AST-000123.")
PLAN = OpenApiParameter("plan", int, OpenApiParameter.PATH, description="The plan's id.")


class CategoryListView(AssetsApiMixin, TenantListCreateAPIView):
    serializer_class = AssetCategorySerializer
    cursor_ordering = ("name", "id")
    queryset = AssetCategory.objects.none()

    def get_queryset(self) -> QuerySet[AssetCategory]:
        return AssetCategory.objects.all()

    @extend_schema(summary="List asset categories", description="Categories by name (cursor paginated).",
                   responses={200: AssetCategorySerializer(many=True), 403: FORBIDDEN})  # fmt: skip
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Create an asset category", description="`code` (e.g. FRIDGE), `name`. Tenant admins.",
                   request=AssetCategorySerializer,
                   responses={201: AssetCategorySerializer, 400: REFUSED, 403: FORBIDDEN})  # fmt: skip
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(AssetCategorySerializer, request)
        category = services.category_create(acting_user=request.user, **data)
        return Response(AssetCategorySerializer(category).data, status=status.HTTP_201_CREATED)


class AssetListView(AssetsApiMixin, TenantListCreateAPIView):
    serializer_class = AssetSerializer
    cursor_ordering = ("code",)
    queryset = Asset.objects.none()

    def get_queryset(self) -> QuerySet[Asset]:
        params = self.request.query_params
        return asset_list(
            site_code=params.get("site", "").strip().upper(), category_code=params.get("category", "").strip().upper(),
            status=params.get("status", "").strip(), search=params.get("search", "").strip(),
            custodian=_uuid_or_refuse(params.get("custodian", "").strip(), "custodian"),
        )  # fmt: skip

    @extend_schema(
        summary="List assets",
        description="The register by code (cursor paginated). Filters: `site` and `category` (codes), `status`, "
        "`custodian` (user id), `search` (part of the code, serial number or name, or a label code).",
        parameters=[
            OpenApiParameter("site", str, description="A site's code."),
            OpenApiParameter("category", str, description="A category's code."),
            OpenApiParameter("status", str, description="active, in_repair, retired or lost."),
            OpenApiParameter("custodian", str, description="The custodian's user id."),
            OpenApiParameter("search", str, description="Part of the code, serial number or name."),
        ],
        responses={200: AssetSerializer(many=True), 403: FORBIDDEN},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Add an asset",
        description="`name`, `category` and `site` (codes) required; the code (AST-000123) and the label code are "
        "given. Tenant admins, or an API key with `operations:write`. Sends `asset.created`.",
        request=AssetWriteSerializer,
        responses={201: AssetSerializer, 400: REFUSED, 403: FORBIDDEN},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = dict(validated(AssetWriteSerializer, request))
        asset = services.asset_create(acting_user=request.user, **data)
        return Response(AssetSerializer(asset_get(asset.pk), context={"request": request}).data,
                        status=status.HTTP_201_CREATED)  # fmt: skip


def _uuid_or_refuse(text: str, name: str) -> uuid.UUID | None:
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        raise refused("Give a user id.", code="invalid_filter", field=name) from None


class AssetDetailView(AssetsApiMixin, TenantAPIView):
    @extend_schema(summary="Get an asset", description="One asset by id or code.", parameters=[KEY],
                   responses={200: AssetSerializer, 403: FORBIDDEN, 404: NOT_FOUND})  # fmt: skip
    def get(self, request: Request, key: str) -> Response:
        return Response(AssetSerializer(asset_get(key), context={"request": request}).data)

    @extend_schema(
        summary="Change an asset",
        description="Any of the fields of creation. A new `status` sends `asset.status_changed`. Tenant admins.",
        parameters=[KEY], request=AssetWriteSerializer(partial=True),
        responses={200: AssetSerializer, 400: REFUSED, 403: FORBIDDEN, 404: NOT_FOUND},
    )  # fmt: skip
    def patch(self, request: Request, key: str) -> Response:
        data = dict(validated(AssetWriteSerializer, request, partial=True))
        asset = services.asset_update(asset=asset_get(key), acting_user=request.user, **data)
        return Response(AssetSerializer(asset_get(asset.pk), context={"request": request}).data)


class AssetScanView(AssetsApiMixin, TenantAPIView):
    tenant_access = "member"

    @extend_schema(
        summary="Resolve a scanned asset label",
        description="The asset whose QR label carries `code` (the last part of the label's address). A code that "
        "is not this organisation's (another's, or made up) is 404 `unknown_asset`: nothing says whether it "
        "exists elsewhere.",
        parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH, description="The label code.")],
        responses={200: AssetSerializer, 403: FORBIDDEN, 404: OpenApiResponse(description="`unknown_asset`.")},
    )
    def get(self, request: Request, code: str) -> Response:
        asset = asset_by_label(code)
        if asset is None:
            return Response({"detail": "No asset has this label in this organisation.", "code": "unknown_asset"},
                            status=status.HTTP_404_NOT_FOUND)  # fmt: skip
        return Response(AssetSerializer(asset, context={"request": request}).data)


class ReadingListView(AssetsApiMixin, TenantListAPIView):
    tenant_access = "member"
    serializer_class = MeterReadingSerializer
    cursor_ordering = ("-read_at", "-id")
    queryset = MeterReading.objects.none()

    def get_queryset(self) -> QuerySet[MeterReading]:
        return MeterReading.objects.filter(asset=asset_get(self.kwargs["key"]))

    @extend_schema(summary="An asset's meter readings", description="Newest first (cursor paginated).",
                   parameters=[KEY],
                   responses={200: MeterReadingSerializer(many=True), 403: FORBIDDEN, 404: NOT_FOUND})  # fmt: skip
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Record a meter reading",
        description="`value` (never lower than the last reading unless `is_reset`), optional `read_at` (not before "
        "the last reading). A reading that crosses a meter-based plan's threshold makes its work order at once "
        "(returned in `work_orders`). Members with access, or an API key with `operations:write`.",
        parameters=[KEY], request=MeterReadingWriteSerializer,
        responses={201: MeterReadingSerializer, 400: REFUSED, 403: FORBIDDEN, 404: NOT_FOUND},
    )  # fmt: skip
    def post(self, request: Request, key: str) -> Response:
        data = validated(MeterReadingWriteSerializer, request)
        reading, made = services.reading_record(asset=asset_get(key), acting_user=request.user, **data)
        body = dict(MeterReadingSerializer(reading).data)
        body["work_orders"] = MaintenanceWorkOrderSerializer(made, many=True).data
        return Response(body, status=status.HTTP_201_CREATED)


class PlanListView(AssetsApiMixin, TenantListCreateAPIView):
    serializer_class = MaintenancePlanSerializer
    cursor_ordering = ("name", "id")
    queryset = MaintenancePlan.objects.none()

    def get_queryset(self) -> QuerySet[MaintenancePlan]:
        asset = self.request.query_params.get("asset", "").strip()
        return plan_list(asset=asset_get(asset) if asset else None)

    @extend_schema(summary="List maintenance plans",
                   description="By name (cursor paginated); `asset` (a code): the plans that look after it.",
                   parameters=[OpenApiParameter("asset", str, description="An asset's code.")],
                   responses={200: MaintenancePlanSerializer(many=True), 403: FORBIDDEN})  # fmt: skip
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a maintenance plan",
        description="For one `asset`, or for a `category` at a `site`; a `template` (task template code) and "
        "either `kind: time` with `rrule` (RFC 5545 with COUNT or UNTIL) and `starts_at` (the first occurrence, "
        "in the site's time zone) or `kind: meter` with `meter_interval`. Work orders due within `lead_days` "
        "are made at once. Tenant admins.",
        request=MaintenancePlanWriteSerializer,
        responses={201: MaintenancePlanSerializer, 400: REFUSED, 403: FORBIDDEN},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = dict(validated(MaintenancePlanWriteSerializer, request))
        data.pop("is_active", None)
        plan = services.plan_create(acting_user=request.user, **data)
        return Response(MaintenancePlanSerializer(plan_get(plan.pk)).data, status=status.HTTP_201_CREATED)


class PlanDetailView(AssetsApiMixin, TenantAPIView):
    @extend_schema(summary="Get a maintenance plan", parameters=[PLAN], description="One plan by id.",
                   responses={200: MaintenancePlanSerializer, 403: FORBIDDEN, 404: NOT_FOUND})  # fmt: skip
    def get(self, request: Request, plan: int) -> Response:
        return Response(MaintenancePlanSerializer(plan_get(plan)).data)

    @extend_schema(
        summary="Change a maintenance plan",
        description="`name`, `rrule`, `starts_at`, `meter_interval`, `lead_days`, `template`, `is_active`. Work "
        "orders already made stay. Tenant admins.",
        parameters=[PLAN], request=MaintenancePlanWriteSerializer(partial=True),
        responses={200: MaintenancePlanSerializer, 400: REFUSED, 403: FORBIDDEN, 404: NOT_FOUND},
    )  # fmt: skip
    def patch(self, request: Request, plan: int) -> Response:
        data = dict(validated(MaintenancePlanWriteSerializer, request, partial=True))
        for fixed in ("kind", "asset", "category", "site"):
            data.pop(fixed, None)
        updated = services.plan_update(plan=plan_get(plan), acting_user=request.user, **data)
        return Response(MaintenancePlanSerializer(plan_get(updated.pk)).data)


class PlanUpcomingView(AssetsApiMixin, TenantAPIView):
    @extend_schema(
        summary="A plan's next work orders",
        description="The next occurrences of a time-based plan (up to `count`, default 5, at most 50) for each of "
        "its assets, each with its work order (and the task's status) once made.",
        parameters=[PLAN, OpenApiParameter("count", int, description="How many occurrences (1 to 50).")],
        responses={200: MaintenanceUpcomingSerializer(many=True), 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request: Request, plan: int) -> Response:
        try:
            count = max(1, min(50, int(request.query_params.get("count", 5))))
        except ValueError:
            count = 5
        return Response(MaintenanceUpcomingSerializer(plan_upcoming(plan_get(plan), count=count), many=True).data)


class WorkOrderListView(AssetsApiMixin, TenantListAPIView):
    serializer_class = MaintenanceWorkOrderSerializer
    cursor_ordering = ("-created_at", "-id")
    queryset = WorkOrder.objects.none()

    def get_queryset(self) -> QuerySet[WorkOrder]:
        params = self.request.query_params
        plan = params.get("plan", "").strip()
        asset = params.get("asset", "").strip()
        if plan and not plan.isdigit():
            raise Http404("No such maintenance plan in this organisation.")
        return work_order_list(plan=plan_get(int(plan)) if plan else None, asset=asset_get(asset) if asset else None)

    @extend_schema(
        summary="List work orders",
        description="Newest first (cursor paginated), each with its task (id, title, status, assignee). Filters: "
        "`plan` (id), `asset` (code).",
        parameters=[OpenApiParameter("plan", int, description="A plan's id."),
                    OpenApiParameter("asset", str, description="An asset's code.")],
        responses={200: MaintenanceWorkOrderSerializer(many=True), 403: FORBIDDEN, 404: NOT_FOUND},
    )  # fmt: skip
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
