"""Tenant API of attendance: /api/v1/attendance/ records, board, exceptions, corrections, overtime.
Gated by the plan's `attendance` solution and solution access; tenant admins (and API keys with the
`attendance` scopes) see everyone, managers their direct reports, everyone else their own."""

import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.approvals.routing import active_member_ids
from apps.attendance import selectors, services
from apps.attendance.access import API_PERMISSIONS, SOLUTION, person_require, sees_everyone, visible_user_ids
from apps.attendance.export import overtime_csv_response
from apps.attendance.models import AttendanceCorrection, AttendanceRecord, OvertimeRecord, OvertimeRule
from apps.surfaces.api import TenantAPIView, TenantListAPIView, validated

from .serializers import (
    BoardSerializer,
    CorrectionRequestSerializer,
    CorrectionSerializer,
    OvertimeRuleSerializer,
    OvertimeSerializer,
    OvertimeTotalSerializer,
    RecordQuerySerializer,
    RecordSerializer,
)

REFUSED = {
    400: OpenApiResponse(description="Refused by a rule; `detail` says why and `code` names it."),
    403: OpenApiResponse(description="Not a member, no access to the `attendance` solution "
                         "(`solution_access_required`, `solution_not_in_plan`), an API key without the `attendance` "
                         "scope, or `person_required` for an endpoint about yourself."),
}  # fmt: skip
NOT_FOUND = OpenApiResponse(description="No such correction (or not one you may see).")
FILTERS = [
    OpenApiParameter("from", datetime.date, description="First day (YYYY-MM-DD)."),
    OpenApiParameter("to", datetime.date, description="Last day (YYYY-MM-DD)."),
    OpenApiParameter("workplace", str, description="A workplace's code."),
    OpenApiParameter("user", str, description="A person's id (uuid)."),
    OpenApiParameter("status", str, description="Only this status."),
]


class AttendanceAPIMixin:
    tenant_access = "member"
    resource_family = "attendance"
    solution_code = SOLUTION
    permission_classes = API_PERMISSIONS
    request: Any

    def visible(self) -> Any:
        return visible_user_ids(self.request)

    def query(self) -> dict[str, Any]:
        query = RecordQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return {
            "start": data.get("from"), "end": data.get("to"), "workplace": data.get("workplace"),
            "user_id": data.get("user"), "status": data.get("status", ""), "kind": data.get("kind", ""),
        }  # fmt: skip


class MyRecordListView(AttendanceAPIMixin, TenantListAPIView):
    serializer_class = RecordSerializer
    cursor_ordering = ("-date", "-id")
    queryset = AttendanceRecord.objects.none()

    def get_queryset(self) -> QuerySet[AttendanceRecord]:
        person_require(self.request)
        filters = self.query()
        return selectors.records_list(visible={self.request.user.pk}, start=filters["start"], end=filters["end"])

    @extend_schema(summary="My attendance", description="Your attendance records, newest day first: scheduled and "
                   "worked minutes, late and early-leave minutes, status and flags. Filters `from`, `to`.",
                   parameters=FILTERS[:2], responses={200: RecordSerializer(many=True), 403: REFUSED[403]})  # fmt: skip
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class RecordListView(AttendanceAPIMixin, TenantListAPIView):
    serializer_class = RecordSerializer
    cursor_ordering = ("-date", "-id")
    queryset = AttendanceRecord.objects.none()

    def get_queryset(self) -> QuerySet[AttendanceRecord]:
        filters = self.query()
        filters.pop("kind")
        return selectors.records_list(visible=self.visible(), **filters)

    @extend_schema(summary="Attendance records", description="Records of the people you may see (tenant admins: "
                   "everyone; managers: their direct reports and themselves; others: themselves), newest day "
                   "first (cursor paginated). Filters `from`, `to`, `workplace`, `user`, `status`.",
                   parameters=FILTERS, responses={200: RecordSerializer(many=True), **REFUSED})  # fmt: skip
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ExceptionListView(RecordListView):
    def get_queryset(self) -> QuerySet[AttendanceRecord]:
        return selectors.exceptions_list(visible=self.visible(), **self.query())

    @extend_schema(summary="Attendance exceptions", description="Records that need a look: late, absent or partial, "
                   "or flagged (missing_punch, outside_fence, auto_clock_out, needs_review, corrected). `kind` narrows "
                   "to one status or flag. Same visibility and filters as the records.",
                   parameters=[*FILTERS, OpenApiParameter("kind", str, enum=selectors.EXCEPTION_KINDS)],
                   responses={200: RecordSerializer(many=True), **REFUSED})  # fmt: skip
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class BoardView(AttendanceAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Today's board",
        description="Everyone rostered today (each workplace's local day) or clocked in now, with their live "
        "status: in (since, workplace, verdict), on_break, outside_fence (last punch outside or uncertain), late "
        "(grace passed, no clock-in), absent (shift over, no punches), on_leave, not_started, clocked_out; and "
        "the count per status. Filters `workplace` (counts follow it) and `status` (rows only).",
        parameters=[FILTERS[2], OpenApiParameter("status", str, enum=selectors.BOARD_STATUSES)],
        responses={200: BoardSerializer, **REFUSED},
    )
    def get(self, request: Request) -> Response:
        filters = self.query()
        rows, counts = selectors.board(visible=self.visible(), workplace=filters["workplace"], status=filters["status"])
        return Response(BoardSerializer({"rows": rows, "counts": counts}).data)


def _subject(request: Any, user_id: Any) -> Any:
    """The person a correction is for: yourself, or someone you may see (reports; admins: anyone)."""
    if not user_id or user_id == request.user.pk:
        return request.user
    visible = visible_user_ids(request)
    if (visible is not None and user_id not in visible) or not active_member_ids([user_id]):
        raise Http404("No such person in this organisation (or not one of your reports).")
    return User.objects.get(pk=user_id)


class CorrectionListView(AttendanceAPIMixin, TenantListAPIView):
    serializer_class = CorrectionSerializer
    queryset = AttendanceCorrection.objects.none()

    def get_queryset(self) -> QuerySet[AttendanceCorrection]:
        person_require(self.request)
        mine = self.request.query_params.get("scope", "mine") != "team"
        return selectors.corrections_list(visible={self.request.user.pk} if mine else self.visible(),
                                          status=self.request.query_params.get("status", ""))  # fmt: skip

    @extend_schema(summary="Attendance corrections", description="Your corrections (`scope=team`: those of the "
                   "people you may see), newest first. Filter `status`.",
                   parameters=[OpenApiParameter("scope", str, enum=["mine", "team"]), FILTERS[4]],
                   responses={200: CorrectionSerializer(many=True), **REFUSED})  # fmt: skip
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Request a correction",
        description="Propose a day's punches as they should be ([{kind, at, workplace}], in order: in, breaks, "
        "out) with a reason; for yourself, or (`user`) a report of yours (tenant admins: anyone). It goes to the "
        "`attendance.correction` approval workflow; when approved, the day's punches are replaced (the originals "
        "are kept, superseded) and the record is recomputed. Codes: `invalid_punch`, `punch_order`, "
        "`unknown_workplace`, `outside_day`, `duplicate_request`, `future_date`, `no_workflow`.",
        request=CorrectionRequestSerializer,
        responses={201: CorrectionSerializer, **REFUSED},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person_require(request)
        data = validated(CorrectionRequestSerializer, request)
        correction = services.correction_request(
            user=_subject(request, data.get("user")), date=data["date"], reason=data["reason"],
            punches=[dict(p) for p in data["punches"]], acting_user=request.user,
        )  # fmt: skip
        return Response(CorrectionSerializer(correction).data, status=status.HTTP_201_CREATED)


class CorrectionDetailView(AttendanceAPIMixin, TenantAPIView):
    @extend_schema(summary="Get a correction", description="One correction you may see (yours or a report's).",
                   responses={200: CorrectionSerializer, **REFUSED, 404: NOT_FOUND})  # fmt: skip
    def get(self, request: Request, pk: str) -> Response:
        return Response(CorrectionSerializer(selectors.correction_get(visible=self.visible(), pk=pk)).data)


class CorrectionCancelView(AttendanceAPIMixin, TenantAPIView):
    @extend_schema(summary="Cancel a correction", description="The person (or whoever asked for them) withdraws an "
                   "open correction; its approval is cancelled with it. Code `closed` when already decided.",
                   request=None, responses={200: CorrectionSerializer, **REFUSED})  # fmt: skip
    def post(self, request: Request, pk: str) -> Response:
        person_require(request)
        correction = selectors.correction_get(visible=self.visible(), pk=pk)
        correction = services.correction_cancel(correction=correction, acting_user=request.user)
        return Response(CorrectionSerializer(correction).data)


OVERTIME_FILTERS = [*FILTERS[:4], OpenApiParameter("status", str, enum=["pending", "approved", "rejected"])]


class OvertimeMixin(AttendanceAPIMixin):
    def overtime(self) -> QuerySet[OvertimeRecord]:
        filters = self.query()
        filters.pop("kind")
        return selectors.overtime_list(visible=self.visible(), **filters)


class OvertimeListView(OvertimeMixin, TenantListAPIView):
    serializer_class = OvertimeSerializer
    cursor_ordering = ("-date", "-id")
    queryset = OvertimeRecord.objects.none()

    def get_queryset(self) -> QuerySet[OvertimeRecord]:
        return self.overtime()

    @extend_schema(summary="Overtime records", description="Overtime drawn from attendance under the overtime rules "
                   "(reason daily, weekly, rest_day or public_holiday; minutes x multiplier), newest day first. Same "
                   "visibility as the records. Filters `from`, `to`, `workplace`, `user`, `status`.",
                   parameters=OVERTIME_FILTERS, responses={200: OvertimeSerializer(many=True), **REFUSED})  # fmt: skip
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class OvertimeTotalsView(OvertimeMixin, TenantAPIView):
    @extend_schema(summary="Overtime totals", description="Per person and status over the filtered period: minutes "
                   "and weighted minutes (minutes x multiplier).",
                   parameters=OVERTIME_FILTERS,
                   responses={200: OvertimeTotalSerializer(many=True), **REFUSED})  # fmt: skip
    def get(self, request: Request) -> Response:
        return Response(OvertimeTotalSerializer(selectors.overtime_totals(self.overtime()), many=True).data)


class OvertimeExportView(OvertimeMixin, TenantAPIView):
    @extend_schema(summary="Overtime CSV for payroll", description="The filtered overtime as CSV, streamed: person, "
                   "email, employee_id (the member profile's employee code), date, workplace, reason, minutes, "
                   "multiplier, weighted_minutes, status.",
                   parameters=OVERTIME_FILTERS, responses={(200, "text/csv"): OpenApiTypes.STR, **REFUSED})  # fmt: skip
    def get(self, request: Request) -> StreamingHttpResponse:
        return overtime_csv_response(self.overtime(), f"overtime-{timezone.localdate():%Y%m%d}.csv")


class OvertimeSubmitView(OvertimeMixin, TenantAPIView):
    tenant_access = "member"

    @extend_schema(summary="Send overtime for approval", description="A pending overtime record of one of your "
                   "reports (tenant admins: anyone's) goes to the `attendance.overtime` workflow. Codes "
                   "`already_submitted`, `no_workflow`.",
                   request=None, responses={200: OvertimeSerializer, **REFUSED})  # fmt: skip
    def post(self, request: Request, pk: int) -> Response:
        record = selectors.overtime_list(visible=self.visible()).filter(pk=pk).first()
        if record is None:
            raise Http404("No such overtime record.")
        if not sees_everyone(request) and record.user_id == request.user.pk:
            raise exceptions.PermissionDenied({"detail": "Your manager sends your overtime for approval.",
                                               "code": "not_manager"})  # fmt: skip
        services.overtime_submit(record=record, acting_user=request.user)
        record.refresh_from_db()
        return Response(OvertimeSerializer(record).data)


class OvertimeRuleListView(AttendanceAPIMixin, TenantAPIView):
    tenant_access = "admin"

    @extend_schema(summary="Overtime rules", description="The organisation's rule (workplace null) and the sites' "
                   "own (a site's rule wins there). Tenant admins.",
                   responses={200: OvertimeRuleSerializer(many=True), **REFUSED})  # fmt: skip
    def get(self, request: Request) -> Response:
        rules = OvertimeRule.objects.select_related("workplace")
        return Response(OvertimeRuleSerializer(rules, many=True).data)

    @extend_schema(summary="Set an overtime rule", description="Create or replace the rule of `workplace` (a site's "
                   "code; null: the organisation's): daily and weekly thresholds in minutes (null: none), whether "
                   "rest days and public holidays count every worked minute, the multipliers (1 to 5) and whether "
                   "new overtime is sent for approval automatically. Tenant admins.",
                   request=OvertimeRuleSerializer, responses={200: OvertimeRuleSerializer, **REFUSED})  # fmt: skip
    def post(self, request: Request) -> Response:
        data = dict(validated(OvertimeRuleSerializer, request))
        workplace = data.pop("workplace", None)
        rule = services.overtime_rule_save(workplace=workplace, acting_user=request.user, **data)
        return Response(OvertimeRuleSerializer(rule).data)
