"""Tenant API of leave: `/api/v1/leave/...` (docs/leave.md). People with access to the `leave`
solution use their own (`me/`; API keys get 403 `person_required` there); managers read their team's
requests and calendar; tenant admins (or API keys with `leave:write`) manage policies and balances."""

import datetime
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.leave import services
from apps.leave.access import API_PERMISSIONS, admin_require, person_require, request_get_for, visible_user_ids
from apps.leave.models import LeavePolicy, LeaveRequest, LeaveType
from apps.leave.selectors import (
    balances_for,
    entity_user_ids,
    ledger_for,
    month_bounds,
    team_calendar,
)
from apps.organisation.selectors import entity_get
from apps.surfaces.api import TenantAPIView, TenantListAPIView, TenantListCreateAPIView, validated
from apps.workplaces.models import Workplace

from .serializers import (
    LeaveAdjustSerializer,
    LeaveBalanceSerializer,
    LeaveCalendarRowSerializer,
    LeaveCancelSerializer,
    LeaveLedgerEntrySerializer,
    LeavePolicySerializer,
    LeaveRequestCreateSerializer,
    LeaveRequestSerializer,
    LeaveTypeSerializer,
)

REFUSED = {
    400: OpenApiResponse(
        description="Refused by a rule; `detail` says why and `code` names it (`invalid_range`, "
        "`not_working_days`, `insufficient_balance`, `overlaps_request`, `attachment_required`, "
        "`max_consecutive_days`, `reason_required` ...)."
    ),
    403: OpenApiResponse(
        description="Not a member, no access to the `leave` solution (`solution_access_required`, "
        "`solution_not_in_plan`), `person_required` for API keys on personal endpoints, "
        "`admin_required`, or an API key without the `leave` scope."
    ),
}
NOT_FOUND = {404: OpenApiResponse(description="No such leave request (or not visible to you).")}


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _type(code: str) -> LeaveType:
    found = LeaveType.objects.filter(code=(code or "").strip().upper()).first()
    if found is None:
        raise _error("type", f"No leave type {code!r} in this organisation.", "unknown_type")
    return found


def _date(value: str | None, field: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise _error(field, "Give a date as YYYY-MM-DD.", "invalid_date") from exc


class LeaveAPIMixin:
    tenant_access = "member"
    resource_family = "leave"
    solution_code = "leave"
    permission_classes = API_PERMISSIONS


class TypeListView(LeaveAPIMixin, TenantListAPIView):
    serializer_class = LeaveTypeSerializer
    cursor_ordering = ("code",)
    queryset = LeaveType.objects.none()

    def get_queryset(self) -> QuerySet[LeaveType]:
        return LeaveType.objects.filter(is_active=True)

    @extend_schema(
        summary="List leave types",
        description="The active leave types of this organisation.",
        responses={200: LeaveTypeSerializer(many=True), 403: REFUSED[403]},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class MyBalancesView(LeaveAPIMixin, TenantAPIView):
    @extend_schema(
        summary="My leave balances",
        description="Per leave type: the ledger up to today (`minutes`, `days`), leave booked ahead, minutes held "
        "by pending requests, and with `?on=YYYY-MM-DD` the projection on that day (future accruals, year-end "
        "carry-over and expiry included; nothing is written).",
        parameters=[OpenApiParameter("on", datetime.date, description="Project the balance on this day.")],
        responses={200: LeaveBalanceSerializer(many=True), **REFUSED},
    )
    def get(self, request: Request) -> Response:
        person_require(request.user)
        on = _date(request.query_params.get("on"), "on")
        return Response(LeaveBalanceSerializer(balances_for(user=request.user, on=on), many=True).data)


class MyRequestListView(LeaveAPIMixin, TenantListCreateAPIView):
    serializer_class = LeaveRequestSerializer
    queryset = LeaveRequest.objects.none()
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[LeaveRequest]:
        person_require(self.request.user)
        rows = LeaveRequest.objects.filter(user_id=self.request.user.pk).select_related("leave_type")
        wanted = self.request.query_params.get("status")
        return rows.filter(status=wanted) if wanted else rows

    @extend_schema(
        summary="My leave requests",
        description="Newest first (cursor paginated); `status` filters.",
        parameters=[OpenApiParameter("status", str, description="Only requests in this status.")],
        responses={200: LeaveRequestSerializer(many=True), **REFUSED},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Request leave",
        description="Counted in working minutes only (your published shifts, else your working pattern without "
        "weekends and the public holidays of your workplace), checked against your balance (and the policy's "
        "negative limit), refused with a reason code, then sent for approval. JSON, or multipart with an "
        "`attachment` (e.g. a medical certificate). Sends `leave.requested`.",
        request=LeaveRequestCreateSerializer,
        responses={201: LeaveRequestSerializer, **REFUSED},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person_require(request.user)
        data = validated(LeaveRequestCreateSerializer, request)
        created = services.leave_request_submit(
            user=request.user,
            leave_type=_type(data["type"]),
            start_date=data["start_date"],
            end_date=data.get("end_date") or data["start_date"],
            start_half=data["start_half"],
            end_half=data["end_half"],
            start_time=data.get("start_time"),
            end_time=data.get("end_time"),
            reason=data["reason"],
            attachment=data.get("attachment"),
            acting_user=request.user,
        )
        return Response(LeaveRequestSerializer(created).data, status=status.HTTP_201_CREATED)


class MyRequestCancelView(LeaveAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Cancel my leave request",
        description="A pending request is withdrawn (its approval is cancelled). An approved one is cancelled "
        "whole, or from `from_date` on (partially cancelled: the days before stay); the minutes come back to the "
        "balance. Sends `leave.cancelled`.",
        request=LeaveCancelSerializer,
        responses={200: LeaveRequestSerializer, **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        person_require(request.user)
        data = validated(LeaveCancelSerializer, request)
        found = request_get_for(request, pk, own=True)
        done = services.leave_request_cancel(
            leave_request=found, acting_user=request.user, from_date=data.get("from_date"), reason=data["reason"]
        )
        return Response(LeaveRequestSerializer(done).data)


class RequestListView(LeaveAPIMixin, TenantListAPIView):
    serializer_class = LeaveRequestSerializer
    queryset = LeaveRequest.objects.none()

    def get_queryset(self) -> QuerySet[LeaveRequest]:
        rows = LeaveRequest.objects.select_related("leave_type")
        visible = visible_user_ids(self.request)
        if visible is not None:
            rows = rows.filter(user_id__in=visible)
        params = self.request.query_params
        if params.get("status"):
            rows = rows.filter(status=params["status"])
        if params.get("type"):
            rows = rows.filter(leave_type__code=params["type"].upper())
        if params.get("user"):
            rows = rows.filter(user_id=params["user"]) if _is_uuid(params["user"]) else rows.none()
        start, end = _date(params.get("from"), "from"), _date(params.get("to"), "to")
        if start:
            rows = rows.filter(effective_end__gte=start)
        if end:
            rows = rows.filter(start_date__lte=end)
        return rows

    @extend_schema(
        summary="Leave requests of my team (managers) or everyone (admins)",
        description="Managers see the requests of the people reporting to them (and their own); tenant admins and "
        "API keys with `leave:read` see everyone's. Filters: `status`, `type`, `user` (uuid), `from`/`to` (days).",
        parameters=[
            OpenApiParameter("status", str),
            OpenApiParameter("type", str),
            OpenApiParameter("user", str),
            OpenApiParameter("from", datetime.date),
            OpenApiParameter("to", datetime.date),
        ],
        responses={200: LeaveRequestSerializer(many=True), **REFUSED},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class CalendarView(LeaveAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Team calendar: who is off",
        description="Per person, the days of `month` (YYYY-MM, default this month) they are on leave (approved, or "
        "pending, marked). Managers see their team; tenant admins everyone, or an `entity` (uuid, its subtree) or "
        "a `workplace` (code).",
        parameters=[
            OpenApiParameter("month", str),
            OpenApiParameter("entity", str),
            OpenApiParameter("workplace", str),
        ],
        responses={200: LeaveCalendarRowSerializer(many=True), **REFUSED},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        try:
            start, end = month_bounds(params.get("month") or timezone.localdate().strftime("%Y-%m"))
        except ValueError as exc:
            raise _error("month", "Give the month as YYYY-MM.", "invalid_month") from exc
        user_ids = visible_user_ids(request)
        if params.get("entity"):
            in_entity = entity_user_ids(entity_get(uuid=params["entity"]))
            user_ids = in_entity if user_ids is None else [u for u in user_ids if u in set(in_entity)]
        workplace_id = None
        if params.get("workplace"):
            workplace = Workplace.objects.filter(code=params["workplace"].upper()).first()
            if workplace is None:
                raise _error("workplace", "No such workplace.", "unknown_workplace")
            workplace_id = workplace.pk
        rows = team_calendar(start=start, end=end, user_ids=user_ids, workplace_id=workplace_id)
        return Response(LeaveCalendarRowSerializer(rows, many=True).data)


class PolicyListView(LeaveAPIMixin, TenantListCreateAPIView):
    tenant_access = "admin"
    serializer_class = LeavePolicySerializer
    cursor_ordering = ("name", "id")
    queryset = LeavePolicy.objects.none()

    def get_queryset(self) -> QuerySet[LeavePolicy]:
        return LeavePolicy.objects.select_related("leave_type")

    @extend_schema(
        summary="List leave policies",
        description="Tenant admins (or `leave:read` keys).",
        responses={200: LeavePolicySerializer(many=True), **REFUSED},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a leave policy",
        description="Amounts in minutes. Tenant admins.",
        request=LeavePolicySerializer,
        responses={201: LeavePolicySerializer, **REFUSED},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = dict(validated(LeavePolicySerializer, request))
        policy = services.leave_policy_save(acting_user=request.user, **data)
        return Response(LeavePolicySerializer(policy).data, status=status.HTTP_201_CREATED)


class BalanceAdjustView(LeaveAPIMixin, TenantAPIView):
    tenant_access = "admin"

    @extend_schema(
        summary="Adjust a person's balance",
        description="Adds a signed adjustment entry to the ledger (append-only) with a required reason; audited. "
        "Returns the person's ledger of that type, newest first (50 rows).",
        parameters=[OpenApiParameter("user", str, OpenApiParameter.PATH, description="The person's user id.")],
        request=LeaveAdjustSerializer,
        responses={201: LeaveLedgerEntrySerializer(many=True), **REFUSED},
    )
    def post(self, request: Request, user: str) -> Response:
        admin_require(request)
        data = validated(LeaveAdjustSerializer, request)
        person = User.objects.filter(pk=user, memberships__tenant=request.tenant).first() if _is_uuid(user) else None
        if person is None:
            raise _error("user", "No such person in this organisation.", "unknown_user")
        leave_type = _type(data["type"])
        services.balance_adjust(
            user=person,
            leave_type=leave_type,
            minutes=data["minutes"],
            reason=data["reason"],
            effective_on=data.get("effective_on"),
            acting_user=request.user,
        )
        rows = ledger_for(user=person, leave_type=leave_type)[:50]
        return Response(LeaveLedgerEntrySerializer(rows, many=True).data, status=status.HTTP_201_CREATED)
