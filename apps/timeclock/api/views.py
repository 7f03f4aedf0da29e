"""Tenant API of the time clock: `/api/v1/attendance/punches/` and `/api/v1/attendance/me/...`.

A person with access to Attendance punches for themself (POST punches, idempotent on `client_id`) and
reads their own punches and state; tenant admins and managers list punches (their team's for a
manager); tenant admins mark flagged punches reviewed. Refusals are `{"detail", "code"}` bodies.
"""

import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.access import is_service_principal
from apps.surfaces.api import TenantAPIView, TenantListAPIView
from apps.timeclock.access import PERSON_REQUIRED, TimeclockApiMixin, manager_or_admin_refusal, visible_user_ids
from apps.timeclock.models import Punch
from apps.timeclock.selectors import OPEN_KINDS, previous_punch, punch_list
from apps.timeclock.services import PunchRefused, punch_record, punch_review

from .serializers import (
    ClockStatusSerializer,
    PunchCreateSerializer,
    PunchRefusalSerializer,
    PunchReviewSerializer,
    PunchSerializer,
)

REFUSAL = OpenApiResponse(PunchRefusalSerializer, description="Refused; `code` names the rule.")
FORBIDDEN = OpenApiResponse(description="Not a member, no access to Attendance (`solution_access_required`, "
                            "`solution_not_in_plan`), an API key on a personal endpoint (`person_required`), or "
                            "not a manager or admin (`manager_required`).")  # fmt: skip
SPAN = [
    OpenApiParameter("from", str, description="Punches at or after this time (ISO datetime, or a date, UTC)."),
    OpenApiParameter("to", str, description="Punches before this time (ISO datetime, or a date: up to its end)."),
]
# Which field's bad value gets which code (the serializer's own errors say "invalid").
FIELD_CODES = {"lat": "invalid_coordinates", "lng": "invalid_coordinates", "accuracy_m": "invalid_coordinates",
               "device_time": "invalid_device_time", "client_id": "invalid_client_id", "kind": "invalid_kind",
               "source": "invalid_source", "workplace": "unknown_workplace"}  # fmt: skip


def _moment(text: str, name: str, *, end: bool) -> datetime.datetime | None:
    if not text:
        return None
    moment = parse_datetime(text)
    if moment is None and (day := parse_date(text)) is not None:
        moment = datetime.datetime.combine(day + datetime.timedelta(days=int(end)), datetime.time(), datetime.UTC)
    if moment is None:
        raise exceptions.ValidationError({name: ["Use an ISO date or datetime."]}, code="invalid_filter")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, datetime.UTC)


def span_of(request: Request) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    params = request.query_params
    return _moment(params.get("from", ""), "from", end=False), _moment(params.get("to", ""), "to", end=True)


def _person_require(request: Request) -> None:
    if is_service_principal(request.user):
        raise exceptions.PermissionDenied({"detail": PERSON_REQUIRED, "code": "person_required"})


def _flag(value: str) -> bool | None:
    return {"true": True, "1": True, "false": False, "0": False}.get(value.lower())


class PersonalMixin:
    """Endpoints about "me" (and punching): an API key hears `person_required` before anything else."""

    personal_methods: tuple[str, ...] = ("GET",)

    def check_permissions(self, request: Request) -> None:
        if request.method in self.personal_methods:
            _person_require(request)
        super().check_permissions(request)  # type: ignore[misc]


class PunchListCreateView(PersonalMixin, TimeclockApiMixin, TenantListAPIView):
    personal_methods = ("POST",)
    serializer_class = PunchSerializer
    cursor_ordering = ("-at", "-id")
    queryset = Punch.objects.none()

    def get_queryset(self) -> QuerySet[Punch]:
        params = self.request.query_params
        start, end = span_of(self.request)
        return punch_list(
            user_ids=visible_user_ids(self.request), user=params.get("user", "").strip(),
            workplace=params.get("workplace", "").strip(), flagged=_flag(params.get("flagged", "")),
            needs_review=_flag(params.get("needs_review", "")), start=start, end=end,
        )  # fmt: skip

    @extend_schema(
        summary="List punches (admins and managers)",
        description="Everyone's punches for tenant admins and API keys (`attendance:read`), a manager's direct "
        "reports' for a manager; newest first, cursor paginated. Superseded (corrected) punches are left out.",
        parameters=[
            OpenApiParameter("user", str, description="One person's (user id)."),
            OpenApiParameter("workplace", str, description="One site's (code)."),
            OpenApiParameter("flagged", bool, description="Only punches with (true) or without (false) flags."),
            OpenApiParameter("needs_review", bool, description="Only punches waiting for (or past) review."),
            *SPAN,
        ],
        responses={200: PunchSerializer(many=True), 400: REFUSAL, 403: FORBIDDEN},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        refusal = manager_or_admin_refusal(request)
        if refusal is not None:
            raise exceptions.PermissionDenied({"detail": str(refusal), "code": refusal.code})
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Clock in or out (punch)",
        description="Record your punch: `kind` in, out, break_start or break_end; `client_id` generated by the app "
        "(a retry with the same id and body returns the first punch with 200; with another body: 409 "
        "`client_id_reused`); `device_time` with offset (more than 2 minutes ahead: `device_time_future`; older "
        "than the policy's offline tolerance, 72 h by default: `device_time_too_old`; more than 5 minutes late: "
        "accepted and marked `offline`); `lat`, `lng`, `accuracy_m` (bad: `invalid_coordinates`); `workplace` "
        "(a site's code or id; default: your current shift's site, else `workplace_required`; unknown or "
        "inactive: 404 `unknown_workplace`). The punch is judged against the site's geofence (`verdict` inside, "
        "outside, uncertain, unknown, with `distance_m`); outside a site whose policy rejects: 422 "
        "`outside_geofence` with `distance_m`. Sequence: 409 `already_clocked_in`, `not_clocked_in`, "
        "`not_working`, `not_on_break`, `punch_out_of_order`. A mock location, an impossible jump (over 250 km/h "
        "since your previous located punch), or an outside/uncertain position is flagged for review. "
        "Sends `attendance.clocked_in` / `attendance.clocked_out` (and `attendance.punch_flagged`).",
        request=PunchCreateSerializer,
        responses={201: PunchSerializer, 200: PunchSerializer, 400: REFUSAL, 403: FORBIDDEN, 404: REFUSAL,
                   409: REFUSAL, 422: REFUSAL},
    )  # fmt: skip
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _person_require(request)
        body = PunchCreateSerializer(data=request.data)
        if not body.is_valid():
            field = next(iter(body.errors))
            code = FIELD_CODES.get(field, "invalid")
            return Response({"detail": f"{field}: {body.errors[field][0]}", "code": code, "errors": body.errors},
                            status=status.HTTP_400_BAD_REQUEST)  # fmt: skip
        data = body.validated_data
        try:
            punch, created = punch_record(
                user=request.user, client_id=data["client_id"], kind=data["kind"], device_at=data["device_time"],
                lat=data.get("lat"), lng=data.get("lng"), accuracy_m=data.get("accuracy_m"), source=data["source"],
                workplace=data["workplace"], mock_location=data["mock_location"], actor=request.user,
                access_checked=True,
            )  # fmt: skip
        except PunchRefused as exc:
            return Response(exc.body(), status=exc.status)
        return Response(PunchSerializer(punch).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class PunchReviewView(TimeclockApiMixin, TenantAPIView):
    tenant_access = "admin"

    @extend_schema(
        summary="Mark a flagged punch reviewed",
        description="Tenant admins: the punch leaves the review queue, with an optional `note` (idempotent).",
        parameters=[OpenApiParameter("punch", int, OpenApiParameter.PATH)],
        request=PunchReviewSerializer,
        responses={200: PunchSerializer, 403: FORBIDDEN, 404: OpenApiResponse(description="No such punch.")},
    )
    def post(self, request: Request, punch: int) -> Response:
        found = Punch.objects.filter(pk=punch).first()
        if found is None:
            raise Http404("No such punch in this organisation.")
        body = PunchReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actor = None if is_service_principal(request.user) else request.user
        reviewed = punch_review(punch=found, actor=actor, note=body.validated_data["note"])
        return Response(PunchSerializer(Punch.objects.select_related("workplace").get(pk=reviewed.pk)).data)


class MyPunchListView(PersonalMixin, TimeclockApiMixin, TenantListAPIView):
    serializer_class = PunchSerializer
    cursor_ordering = ("-at", "-id")
    queryset = Punch.objects.none()

    def get_queryset(self) -> QuerySet[Punch]:
        start, end = span_of(self.request)
        return punch_list(user_ids=[self.request.user.pk], start=start, end=end)

    @extend_schema(
        summary="My punches",
        description="Your own effective punches, newest first (cursor paginated). API keys: `person_required`.",
        parameters=SPAN,
        responses={200: PunchSerializer(many=True), 400: REFUSAL, 403: FORBIDDEN},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _person_require(request)
        return super().get(request, *args, **kwargs)


class MyStatusView(PersonalMixin, TimeclockApiMixin, TenantAPIView):
    @extend_schema(
        summary="Am I clocked in?",
        description="`state`: in, out or on_break; `since`: the time of the punch that started it; the site.",
        responses={200: ClockStatusSerializer, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        _person_require(request)
        last = previous_punch(user=request.user)
        state = (
            "out" if last is None or last.kind not in OPEN_KINDS else "on_break" if last.kind == "break_start" else "in"
        )
        body = {"state": state, "since": last.at if last else None,
                "workplace": last.workplace.code if last and last.workplace else None,
                "punch": last}  # fmt: skip
        return Response(ClockStatusSerializer(body).data)
