"""Tenant API of workplaces: `/api/v1/workplaces/` and below. Members with access to the
`workplaces` or `attendance` solution read; tenant admins write; API keys need `workplaces:read` /
`workplaces:write` and a role that reaches the solution."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.surfaces.api import TenantAPIView, TenantListCreateAPIView, validated
from apps.workplaces import geofence, services
from apps.workplaces.access import API_PERMISSIONS
from apps.workplaces.models import Department, Workplace
from apps.workplaces.public_holidays import holidays_between
from apps.workplaces.selectors import department_get, departments_of, workplace_get, workplace_list

from .serializers import (
    DepartmentSerializer,
    DepartmentWriteSerializer,
    GeofenceCheckSerializer,
    GeofenceSerializer,
    HolidayQuerySerializer,
    HolidaySerializer,
    VerdictSerializer,
    WorkplaceSerializer,
    WorkplaceWriteSerializer,
)

REFUSED = {
    400: OpenApiResponse(description="Refused by a rule; `detail` says why and `code` names it (e.g. "
                         "`invalid_time_zone`, `invalid_holiday_region`, `parent_kind`, `code_taken`, `not_a_site`)."),
    403: OpenApiResponse(description="Not an active member (for changes: not a tenant admin), no access to the "
                         "`workplaces` or `attendance` solution (`solution_access_required`, `solution_not_in_plan`),"
                         " or an API key without the `workplaces` scope."),
}  # fmt: skip
NOT_FOUND = {404: OpenApiResponse(description="No such workplace (or department) in this organisation.")}
KEY = OpenApiParameter("key", str, OpenApiParameter.PATH, description="The workplace's id or code, e.g. SYD-CBD.")


class WorkplaceAPIMixin:
    tenant_access = "member_read_admin_write"
    resource_family = "workplaces"
    permission_classes = API_PERMISSIONS
    kwargs: dict[str, Any]

    def workplace(self) -> Workplace:
        return workplace_get(self.kwargs["key"])


class WorkplaceListView(WorkplaceAPIMixin, TenantListCreateAPIView):
    serializer_class = WorkplaceSerializer
    cursor_ordering = ("code",)
    queryset = Workplace.objects.none()  # for the schema; get_queryset reads this tenant's schema

    def get_queryset(self) -> QuerySet[Workplace]:
        params = self.request.query_params
        active = {"true": True, "false": False}.get(params.get("active", ""))
        return workplace_list(kind=params.get("kind", ""), search=params.get("search", "").strip(), active=active)

    @extend_schema(
        summary="List workplaces",
        description="Regions, areas and sites by code (cursor paginated), each with its parent's code and its "
        "geofence. Filters: `kind` (region, area, site), `search` (name, code or city), `active` (true/false).",
        parameters=[
            OpenApiParameter("kind", str, enum=Workplace.Kind.values, description="Only this level."),
            OpenApiParameter("search", str, description="Part of the name, code or city."),
            OpenApiParameter("active", bool, description="Only active (true) or inactive (false) workplaces."),
        ],
        responses={200: WorkplaceSerializer(many=True), 403: REFUSED[403]},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a workplace",
        description="A region (no parent), an area (parent: a region's code) or a site (parent: an area's code), "
        "with its address, IANA time zone and the country/subdivision whose public holidays apply (defaults to "
        "the address country). Tenant admins, or an API key with `workplaces:write`. Sends `workplace.created`.",
        request=WorkplaceWriteSerializer,
        responses={201: WorkplaceSerializer, **REFUSED},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = dict(validated(WorkplaceWriteSerializer, request))
        workplace = services.workplace_create(acting_user=request.user, **data)
        return Response(WorkplaceSerializer(workplace_get(workplace.pk)).data, status=status.HTTP_201_CREATED)


class WorkplaceDetailView(WorkplaceAPIMixin, TenantAPIView):
    @extend_schema(summary="Get a workplace", description="One workplace by id or code.", parameters=[KEY],
                   responses={200: WorkplaceSerializer, 403: REFUSED[403], **NOT_FOUND})  # fmt: skip
    def get(self, request: Request, key: str) -> Response:
        return Response(WorkplaceSerializer(self.workplace()).data)

    @extend_schema(
        summary="Change a workplace",
        description="Any field but `kind` and `code`. `is_active: false` deactivates (refused with "
        "`has_active_children` while active workplaces are below it). Tenant admins, or an API key with "
        "`workplaces:write`. Sends `workplace.updated`.",
        parameters=[KEY], request=WorkplaceWriteSerializer(partial=True),
        responses={200: WorkplaceSerializer, **REFUSED, **NOT_FOUND},
    )  # fmt: skip
    def patch(self, request: Request, key: str) -> Response:
        data = dict(validated(WorkplaceWriteSerializer, request, partial=True))
        workplace = self.workplace()
        for fixed in ("kind", "code"):
            if fixed in data and data.pop(fixed) != getattr(workplace, fixed):
                raise ValidationError({fixed: ValidationError(f"The {fixed} of a workplace cannot change.",
                                                              code="read_only")})  # fmt: skip
        services.workplace_update(workplace=workplace, acting_user=request.user, **data)
        return Response(WorkplaceSerializer(workplace_get(workplace.pk)).data)


class GeofenceView(WorkplaceAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Set a site's geofence",
        description="Replace the site's fence: `shape: circle` with `center_lat`, `center_lng` and `radius_m` "
        "(10 to 100,000 m), or `shape: polygon` with `vertices` ([[lat, lng], ...], 3 to 200, in order, "
        "edges not crossing, within 50 km of their centre). Only sites have fences (`not_a_site`). Tenant admins.",
        parameters=[KEY], request=GeofenceSerializer, responses={200: WorkplaceSerializer, **REFUSED, **NOT_FOUND},
    )  # fmt: skip
    def put(self, request: Request, key: str) -> Response:
        data = validated(GeofenceSerializer, request)
        site = self.workplace()
        services.geofence_set(site=site, acting_user=request.user, **data)
        return Response(WorkplaceSerializer(workplace_get(site.pk)).data)

    @extend_schema(summary="Remove a site's geofence", description="The site keeps no fence. Tenant admins.",
                   parameters=[KEY], request=None, responses={204: None, **REFUSED, **NOT_FOUND})  # fmt: skip
    def delete(self, request: Request, key: str) -> Response:
        services.geofence_clear(site=self.workplace(), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GeofenceCheckView(WorkplaceAPIMixin, TenantAPIView):
    # A question, not a change: members (and keys with workplaces:read) may ask it.
    tenant_access = "member"
    required_scopes = {"POST": ["workplaces:read"]}

    @extend_schema(
        summary="Test a position against a site's geofence",
        description="`inside`, `outside`, or `uncertain` when the accuracy circle (`accuracy_m` around the "
        "position) crosses the boundary; `distance_m` is the distance to the boundary. Nothing is stored. "
        "A site without a fence: 400 `no_geofence`. Members, or an API key with `workplaces:read`.",
        parameters=[KEY], request=GeofenceCheckSerializer, responses={200: VerdictSerializer, **REFUSED, **NOT_FOUND},
    )  # fmt: skip
    def post(self, request: Request, key: str) -> Response:
        data = validated(GeofenceCheckSerializer, request)
        site = self.workplace()
        fence = getattr(site, "geofence", None)
        if fence is None:
            raise ValidationError({"geofence": ValidationError(f"{site} has no geofence.", code="no_geofence")})
        found = geofence.verdict(fence.fence(), data["lat"], data["lng"], data["accuracy_m"])
        return Response(VerdictSerializer({"status": found.status, "distance_m": found.distance_m}).data)


class HolidayListView(WorkplaceAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Public holidays at a workplace",
        description="The public holidays of the workplace's holiday country and subdivision from `from` to `to` "
        "(both included; default: today and the next 365 days; at most about three years at a time).",
        parameters=[KEY, OpenApiParameter("from", datetime.date, description="First day (YYYY-MM-DD)."),
                    OpenApiParameter("to", datetime.date, description="Last day (YYYY-MM-DD).")],
        responses={200: HolidaySerializer(many=True), **REFUSED, **NOT_FOUND},
    )  # fmt: skip
    def get(self, request: Request, key: str) -> Response:
        query = HolidayQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start = query.validated_data.get("from") or timezone.localdate()
        end = query.validated_data.get("to") or start + datetime.timedelta(days=365)
        try:
            found = holidays_between(self.workplace(), start, end)
        except ValueError as exc:
            raise ValidationError({"to": ValidationError(str(exc), code="span_too_long")}) from exc
        rows = [{"date": day, "name": name} for day, name in found.items()]
        return Response(HolidaySerializer(rows, many=True).data)


class DepartmentListView(WorkplaceAPIMixin, TenantAPIView):
    @extend_schema(
        summary="List a site's departments",
        description="The departments at the site, by name.",
        parameters=[KEY],
        responses={200: DepartmentSerializer(many=True), 403: REFUSED[403], **NOT_FOUND},
    )
    def get(self, request: Request, key: str) -> Response:
        return Response(DepartmentSerializer(departments_of(self.workplace()), many=True).data)

    @extend_schema(summary="Add a department to a site",
                   description="`code` unique at the site, `name`, optional `entity` (an entity code). Tenant admins.",
                   parameters=[KEY], request=DepartmentWriteSerializer,
                   responses={201: DepartmentSerializer, **REFUSED, **NOT_FOUND})  # fmt: skip
    def post(self, request: Request, key: str) -> Response:
        data = dict(validated(DepartmentWriteSerializer, request))
        data.pop("is_active", None)
        department = services.department_create(site=self.workplace(), acting_user=request.user, **data)
        return Response(DepartmentSerializer(department).data, status=status.HTTP_201_CREATED)


class DepartmentDetailView(WorkplaceAPIMixin, TenantAPIView):
    DEPARTMENT = OpenApiParameter("department", str, OpenApiParameter.PATH, description="The department's id or code.")

    def department(self) -> Department:
        return department_get(self.workplace(), self.kwargs["department"])

    @extend_schema(
        summary="Get a department",
        description="One department of the site by id or code.",
        parameters=[KEY, DEPARTMENT],
        responses={200: DepartmentSerializer, 403: REFUSED[403], **NOT_FOUND},
    )
    def get(self, request: Request, key: str, department: str) -> Response:
        return Response(DepartmentSerializer(self.department()).data)

    @extend_schema(summary="Change a department", description="`code`, `name`, `entity`, `is_active`. Tenant admins.",
                   parameters=[KEY, DEPARTMENT], request=DepartmentWriteSerializer(partial=True),
                   responses={200: DepartmentSerializer, **REFUSED, **NOT_FOUND})  # fmt: skip
    def patch(self, request: Request, key: str, department: str) -> Response:
        data = dict(validated(DepartmentWriteSerializer, request, partial=True))
        updated = services.department_update(department=self.department(), acting_user=request.user, **data)
        return Response(DepartmentSerializer(updated).data)
