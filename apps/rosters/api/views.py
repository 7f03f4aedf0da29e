"""Tenant API of rosters under /api/v1/attendance/ (docs/rosters.md).

Members who may use the `attendance` solution read their own shifts (`me/...`, a person only: API keys
get 403 `person_required`); managers read their team's and roster their reports; tenant admins (and API
keys with `attendance:write` reaching the solution) manage everything. Refusals are `{"detail", "code"}`.
"""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.dateparse import parse_date
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.selectors import tenant_url
from apps.rosters import services
from apps.rosters.access import HasRostersAccess, scope_of
from apps.rosters.models import Roster, Shift, ShiftType
from apps.rosters.selectors import roster_list, shift_list
from apps.surfaces.api import TenantAccess, TenantAPIView, TenantListAPIView, TenantListCreateAPIView, validated
from apps.tenancy.context import connection_tenant

from .serializers import (
    CalendarFeedSerializer,
    PublishResultSerializer,
    RosterSerializer,
    RosterWriteSerializer,
    ShiftCreateSerializer,
    ShiftSerializer,
    ShiftTypeSerializer,
    ShiftUpdateSerializer,
    users_by_id,
)

REFUSED = {
    400: OpenApiResponse(
        description="Refused by a rule; `detail` says why (naming the person, the day and the "
        "rule) and `code` names it: `double_booking`, `min_rest`, `max_weekly_hours`, "
        "`outside_period`, `invalid_rrule`, `unbounded_rrule`, `rrule_beyond_period`, "
        "`not_a_member`, `not_your_report`, `code_taken`."
    ),
    403: OpenApiResponse(
        description="Not an active member, no access to the `attendance` solution "
        "(`solution_access_required`, `solution_not_in_plan`), not a manager "
        "(`roster_manager_required`), an API key without the `attendance` scope, or "
        "(for `me/`) an API key (`person_required`)."
    ),
}
NOT_FOUND = {404: OpenApiResponse(description="No such roster or shift in this organisation (or not yours).")}
PERMISSIONS = [TenantAccess, HasRostersAccess]


class RostersAPIMixin:
    tenant_access = "member"
    resource_family = "attendance"
    permission_classes = PERMISSIONS
    manages = True
    kwargs: dict[str, Any]
    request: Any

    def roster(self) -> Roster:
        found = roster_list().filter(pk=self.kwargs["roster_id"]).first()
        if found is None:
            raise Http404("No such roster.")
        return found

    def people(self, ids: list[Any]) -> list[Any]:
        """The users named, each one the caller may roster (managers: their direct reports)."""
        found = users_by_id(ids)
        scope = scope_of(self.request)
        if len(found) != len(set(map(str, ids))):
            raise ValidationError({"users": ValidationError("Unknown person.", code="not_a_member")})
        refused = [u for u in found.values() if not scope.may_roster(u.pk)]
        if refused:
            raise exceptions.PermissionDenied(
                {
                    "detail": f"You may roster only your direct reports, not {refused[0].email}.",
                    "code": "not_your_report",
                }
            )
        return [found[str(i)] for i in ids]


class ShiftTypeListView(RostersAPIMixin, TenantListCreateAPIView):
    tenant_access = "member_read_admin_write"
    manages = False
    serializer_class = ShiftTypeSerializer
    cursor_ordering = ("code",)
    queryset = ShiftType.objects.none()

    def get_queryset(self) -> QuerySet[ShiftType]:
        return ShiftType.objects.all()

    @extend_schema(
        summary="List shift types",
        description="Shift types by code: local start and end (overnight "
        "when the end is at or before the start), breaks, grace before late, colour.",
        responses={200: ShiftTypeSerializer(many=True), 403: REFUSED[403]},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a shift type",
        description="Tenant admins, or an API key with "
        "`attendance:write`. Breaks must be shorter than the shift (`breaks_too_long`).",
        request=ShiftTypeSerializer,
        responses={201: ShiftTypeSerializer, **REFUSED},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = dict(validated(ShiftTypeSerializer, request))
        shift_type = services.shift_type_create(acting_user=request.user, **data)
        return Response(ShiftTypeSerializer(shift_type).data, status=status.HTTP_201_CREATED)


class RosterListView(RostersAPIMixin, TenantListCreateAPIView):
    serializer_class = RosterSerializer
    cursor_ordering = ("-start_date", "-id")
    queryset = Roster.objects.none()

    def get_queryset(self) -> QuerySet[Roster]:
        params = self.request.query_params
        return roster_list(
            workplace=params.get("workplace", ""),
            status=params.get("status", ""),
            on_or_after=parse_date(params.get("from", "")),
            on_or_before=parse_date(params.get("to", "")),
        )

    @extend_schema(
        summary="List rosters",
        description="Rosters, newest period first, with their site and shift count. Filters: `workplace` (code), "
        "`status` (draft, published), `from`/`to` (periods overlapping these dates). Managers and tenant admins.",
        parameters=[
            OpenApiParameter("workplace", str, description="A site's code."),
            OpenApiParameter("status", str, description="draft or published."),
            OpenApiParameter("from", datetime.date, description="Periods ending on or after this day."),
            OpenApiParameter("to", datetime.date, description="Periods starting on or before this day."),
        ],
        responses={200: RosterSerializer(many=True), 403: REFUSED[403]},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a roster",
        description="A draft roster of a site over a period (at most a year). Managers and tenant admins.",
        request=RosterWriteSerializer,
        responses={201: RosterSerializer, **REFUSED},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(RosterWriteSerializer, request)
        roster = services.roster_create(acting_user=request.user, **data)
        return Response(RosterSerializer(roster_list().get(pk=roster.pk)).data, status=status.HTTP_201_CREATED)


ROSTER_ID = OpenApiParameter("roster_id", int, OpenApiParameter.PATH, description="The roster's id.")
SHIFT_ID = OpenApiParameter("shift_id", int, OpenApiParameter.PATH, description="The shift's id.")


class RosterDetailView(RostersAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Get a roster",
        parameters=[ROSTER_ID],
        description="One roster with its rules snapshot (the rules in force when it was last published).",
        responses={200: RosterSerializer, 403: REFUSED[403], **NOT_FOUND},
    )
    def get(self, request: Request, roster_id: int) -> Response:
        return Response(RosterSerializer(self.roster()).data)


class RosterPublishView(RostersAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Publish a roster",
        description="Checks the draft shifts against the rules again (a refusal is a 400 naming the person, "
        "day and rule), publishes them, sends `roster.published` and tells each person whose shifts were "
        "published. Publishing again with nothing new sends nothing (`published: 0`).",
        parameters=[ROSTER_ID],
        request=None,
        responses={200: PublishResultSerializer, **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, roster_id: int) -> Response:
        roster = self.roster()
        count = services.roster_publish(roster=roster, acting_user=request.user)
        return Response({"published": count, "roster": RosterSerializer(self.roster()).data})


def _shift_filters(params: Any) -> dict[str, Any]:
    return {
        "user_id": params.get("user") or None,
        "workplace": params.get("workplace", ""),
        "start": parse_date(params.get("from", "")),
        "end": parse_date(params.get("to", "")),
    }


SHIFT_FILTERS = [
    OpenApiParameter("user", str, description="A person's id."),
    OpenApiParameter("workplace", str, description="A site's code."),
    OpenApiParameter("from", datetime.date, description="Shifts on or after this local day."),
    OpenApiParameter("to", datetime.date, description="Shifts on or before this local day."),
]


class RosterShiftListView(RostersAPIMixin, TenantListCreateAPIView):
    serializer_class = ShiftSerializer
    cursor_ordering = ("starts_at", "id")
    queryset = Shift.objects.none()

    def get_queryset(self) -> QuerySet[Shift]:
        return shift_list(roster=self.roster(), **_shift_filters(self.request.query_params))

    @extend_schema(
        summary="List a roster's shifts",
        description="Every shift of the roster (drafts too) by start, with its flags. Filters: `user`, `from`, `to`.",
        parameters=[ROSTER_ID, *SHIFT_FILTERS],
        responses={200: ShiftSerializer(many=True), 403: REFUSED[403], **NOT_FOUND},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Add shifts to a roster",
        description="One shift (`user`, `day`, and a `shift_type` code or `start_time`/`end_time`), a bulk "
        "assignment (`users`, `shift_type`, `days`) or a repeating pattern (`users`, `shift_type`, `rrule`: "
        "RFC 5545 with COUNT or UNTIL, within the roster period, expanded in the site's time zone). All or "
        "nothing: a refused rule refuses the lot; flagged rules are kept on the shifts. New shifts are drafts "
        "until the roster is published. Managers may roster only their direct reports (`not_your_report`).",
        parameters=[ROSTER_ID],
        request=ShiftCreateSerializer,
        responses={201: ShiftSerializer(many=True), **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, roster_id: int) -> Response:
        data, roster = validated(ShiftCreateSerializer, request), self.roster()
        if "rrule" in data:
            pattern = services.pattern_add(
                roster=roster,
                shift_type=data["shift_type"],
                rrule=data["rrule"],
                users=self.people(data["users"]),
                acting_user=request.user,
            )
            ids = list(pattern.shifts.values_list("pk", flat=True))
        elif "days" in data:
            made = services.shifts_assign(
                roster=roster,
                users=self.people(data["users"]),
                days=data["days"],
                shift_type=data["shift_type"],
                acting_user=request.user,
            )
            ids = [s.pk for s in made]
        else:
            (user,) = self.people([data["user"]])
            shift = services.shift_add(
                roster=roster,
                user=user,
                day=data["day"],
                shift_type=data.get("shift_type"),
                start_time=data.get("start_time"),
                end_time=data.get("end_time"),
                unpaid_break_minutes=data.get("unpaid_break_minutes"),
                notes=data["notes"],
                acting_user=request.user,
            )
            ids = [shift.pk]
        return Response(ShiftSerializer(shift_list().filter(pk__in=ids), many=True).data, status=201)


class ShiftListView(RostersAPIMixin, TenantListAPIView):
    manages = False
    serializer_class = ShiftSerializer
    cursor_ordering = ("starts_at", "id")
    queryset = Shift.objects.none()

    def get_queryset(self) -> QuerySet[Shift]:
        visible = scope_of(self.request).visible_user_ids()
        return shift_list(visible_user_ids=visible, **_shift_filters(self.request.query_params))

    @extend_schema(
        summary="List shifts",
        description="Shifts across rosters by start (drafts included for "
        "managers). Tenant admins and API keys see everyone's; managers their own and their direct "
        "reports'; other members their own. Filters: `user`, `workplace`, `from`, `to`.",
        parameters=SHIFT_FILTERS,
        responses={200: ShiftSerializer(many=True), 403: REFUSED[403]},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ShiftDetailView(RostersAPIMixin, TenantAPIView):
    def shift(self) -> Shift:
        found = (
            shift_list(visible_user_ids=scope_of(self.request).visible_user_ids())
            .filter(pk=self.kwargs["shift_id"])
            .first()
        )
        if found is None:
            raise Http404("No such shift.")
        if self.request.method not in ("GET", "HEAD", "OPTIONS") and not scope_of(self.request).may_roster(
            found.user_id
        ):
            raise exceptions.PermissionDenied(
                {"detail": "You may change only your direct reports' shifts.", "code": "not_your_report"}
            )
        return found

    @extend_schema(
        summary="Get a shift", parameters=[SHIFT_ID], responses={200: ShiftSerializer, 403: REFUSED[403], **NOT_FOUND}
    )
    def get(self, request: Request, shift_id: int) -> Response:
        return Response(ShiftSerializer(self.shift()).data)

    @extend_schema(
        summary="Change a shift",
        description="Move it to another person or day, another shift type "
        "or other times; checked against the rules again. A published shift's person is told "
        "(`shift.changed`).",
        parameters=[SHIFT_ID],
        request=ShiftUpdateSerializer,
        responses={200: ShiftSerializer, **REFUSED, **NOT_FOUND},
    )
    def patch(self, request: Request, shift_id: int) -> Response:
        data, shift = dict(validated(ShiftUpdateSerializer, request)), self.shift()
        if "user" in data:
            (data["user"],) = self.people([data["user"]])
        services.shift_update(shift=shift, acting_user=request.user, **data)
        return Response(ShiftSerializer(shift_list().get(pk=shift.pk)).data)

    @extend_schema(
        summary="Remove a shift",
        description="A draft shift is deleted; a published one is "
        "cancelled (kept, shown as cancelled in calendars) and its person told.",
        parameters=[SHIFT_ID],
        request=None,
        responses={204: None, **REFUSED, **NOT_FOUND},
    )
    def delete(self, request: Request, shift_id: int) -> Response:
        services.shift_remove(shift=self.shift(), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PersonalMixin(RostersAPIMixin):
    manages = False

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Before the permission checks: a key is told it needs a person, not which scope it lacks.
        if getattr(request.user, "is_service_principal", False):
            raise exceptions.PermissionDenied(
                {
                    "detail": "Shifts belong to a person: sign in as one (an API key has no shifts).",
                    "code": "person_required",
                }
            )
        super().initial(request, *args, **kwargs)  # type: ignore[misc]


class MyShiftListView(PersonalMixin, TenantListAPIView):
    serializer_class = ShiftSerializer
    cursor_ordering = ("starts_at", "id")
    queryset = Shift.objects.none()

    def get_queryset(self) -> QuerySet[Shift]:
        params = self.request.query_params
        return shift_list(
            user_id=self.request.user.pk,
            published=True,
            start=parse_date(params.get("from", "")),
            end=parse_date(params.get("to", "")),
        )

    @extend_schema(
        summary="My shifts",
        description="The caller's published (and cancelled) shifts by start. "
        "Filters: `from`, `to` (local days). A person only (`person_required` for API keys).",
        parameters=SHIFT_FILTERS[2:],
        responses={200: ShiftSerializer(many=True), 403: REFUSED[403]},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def feed_url(feed: Any) -> str:
    return tenant_url(connection_tenant(), "rosters_feed:shifts", feed.token)


class MyCalendarFeedView(PersonalMixin, TenantAPIView):
    required_scopes = {"POST": ["attendance:read"]}  # rotating one's own address changes no roster

    @extend_schema(
        summary="My calendar feed",
        description="The secret iCalendar address of my published shifts (30 days back, 90 ahead), made on first use.",
        request=None,
        responses={200: CalendarFeedSerializer, 403: REFUSED[403]},
    )
    def get(self, request: Request) -> Response:
        feed = services.feed_for(request.user)
        return Response({"url": feed_url(feed), "rotated_at": feed.rotated_at})

    @extend_schema(
        summary="Rotate my calendar feed",
        description="A new secret address; the old one answers 404 from now on.",
        request=None,
        responses={200: CalendarFeedSerializer, 403: REFUSED[403]},
    )
    def post(self, request: Request) -> Response:
        feed = services.feed_rotate(user=request.user)
        return Response({"url": feed_url(feed), "rotated_at": feed.rotated_at})
