"""Tenant API of routines under /api/v1/tasks/routines/ (docs/routines.md).

Members who may use the `tasks` solution read routines and preview their occurrences; tenant admins
(and API keys holding `tasks:write` that reach the solution) create, change, split, pause and edit
occurrences. Refusals are `{"detail", "code"}` or field errors with codes.
"""

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.routines import services
from apps.routines.access import RoutinesApiMixin, routine_get
from apps.routines.models import Routine, RoutineTask
from apps.routines.selectors import routine_list, routine_preview
from apps.surfaces.api import TenantAPIView, TenantListCreateAPIView, validated

from .serializers import (
    STATUSES,
    OccurrenceEditSerializer,
    OccurrenceSerializer,
    PauseSerializer,
    PreviewSerializer,
    RoutineSerializer,
    RoutineUpdateSerializer,
    RoutineWriteSerializer,
    SplitSerializer,
    member_specs,
)

REFUSED = {
    400: OpenApiResponse(
        description="Refused by a rule; `code` names it: `invalid_rrule`, `unbounded_rrule` (no COUNT or UNTIL), "
        "`empty_rrule` (yields nothing), `members_required`, `invalid_member`, `invalid_assignee`, `invalid_link`, "
        "`link_cycle`, `workplace_inactive`, `not_an_occurrence`, `occurrence_skipped`, `nothing_to_change`, "
        "`routine_ended`, `not_a_member`."
    ),
    403: OpenApiResponse(
        description="Not an active member, not a tenant admin for a write, no access to the `tasks` solution "
        "(`solution_access_required`, `solution_not_in_plan`), or an API key without the `tasks` scope."
    ),
}
NOT_FOUND = {404: OpenApiResponse(description="No such routine in this organisation.")}
ROUTINE_ID = OpenApiParameter("routine_id", int, OpenApiParameter.PATH, description="The routine's id.")


def with_members(rows: QuerySet[Routine]) -> QuerySet[Routine]:
    members = RoutineTask.objects.select_related("template", "team", "role").order_by("position")
    return rows.prefetch_related(Prefetch("members", queryset=members), "links")


def detail(routine_id: int) -> dict[str, Any]:
    return dict(RoutineSerializer(with_members(routine_list()).get(pk=routine_id)).data)


class RoutineListView(RoutinesApiMixin, TenantListCreateAPIView):
    serializer_class = RoutineSerializer
    cursor_ordering = ("-id",)
    queryset = Routine.objects.none()

    def get_queryset(self) -> QuerySet[Routine]:
        params = self.request.query_params
        status_ = params.get("status", "")
        return with_members(routine_list(workplace=params.get("workplace", ""),
                                         status=status_ if status_ in STATUSES else "",
                                         search=params.get("search", "")))  # fmt: skip

    @extend_schema(
        summary="List routines",
        description="Recurring sets of linked tasks with their members and links, newest first. Filters: "
        "`workplace` (code), `status` (active, paused, ended), `search` (name or site).",
        parameters=[
            OpenApiParameter("workplace", str, description="A site's code."),
            OpenApiParameter("status", str, description="active, paused or ended."),
            OpenApiParameter("search", str, description="Part of the name or the site's name."),
        ],
        responses={200: RoutineSerializer(many=True), 403: REFUSED[403]},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a routine",
        description="A rule (RFC 5545, in the workplace's time zone), a local start, a horizon and its members "
        "(a template's code or a title with a checklist, offset and due minutes, an assignee rule) linked "
        "finish-to-start by position. Its occurrences within the horizon are written at once (and every 15 "
        "minutes after by the beat task), each member a task; successors start blocked. Tenant admins.",
        request=RoutineWriteSerializer,
        responses={201: RoutineSerializer, **REFUSED},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = dict(validated(RoutineWriteSerializer, request))
        data["members"] = member_specs(data["members"])
        data["links"] = [tuple(link) for link in data["links"]]
        routine = services.routine_create(acting_user=request.user, **data)
        return Response(detail(routine.pk), status=status.HTTP_201_CREATED)


class RoutineDetailView(RoutinesApiMixin, TenantAPIView):
    @extend_schema(summary="Get a routine", parameters=[ROUTINE_ID],
                   description="One routine with its members and links.",
                   responses={200: RoutineSerializer, 403: REFUSED[403], **NOT_FOUND})  # fmt: skip
    def get(self, request: Request, routine_id: int) -> Response:
        return Response(detail(routine_get(routine_id).pk))

    @extend_schema(
        summary="Rename a routine or change its horizon",
        parameters=[ROUTINE_ID],
        description="The rule, start and members change from an occurrence on: use `split/`.",
        request=RoutineUpdateSerializer,
        responses={200: RoutineSerializer, **REFUSED, **NOT_FOUND},
    )
    def patch(self, request: Request, routine_id: int) -> Response:
        data = validated(RoutineUpdateSerializer, request)
        routine = services.routine_update(routine=routine_get(routine_id), acting_user=request.user, **data)
        return Response(detail(routine.pk))


class RoutinePreviewView(RoutinesApiMixin, TenantAPIView):
    @extend_schema(
        summary="Preview the next occurrences",
        description="The next occurrences from now (local time and instant), each `planned` (not written yet), "
        "`generated` or `skipped`, and whether it was moved. Its `key` names it in `occurrence/` and `split/`.",
        parameters=[ROUTINE_ID, OpenApiParameter("count", int, description="How many (1-50, default 10).")],
        responses={200: PreviewSerializer(many=True), 403: REFUSED[403], **NOT_FOUND},
    )
    def get(self, request: Request, routine_id: int) -> Response:
        try:
            count = min(max(int(request.query_params.get("count", 10)), 1), 50)
        except ValueError:
            count = 10
        return Response(PreviewSerializer(routine_preview(routine_get(routine_id), count=count), many=True).data)


class OccurrenceEditView(RoutinesApiMixin, TenantAPIView):
    @extend_schema(
        summary="Change this occurrence",
        description='"This occurrence" only: `skip` it (its open tasks are cancelled; it is never generated '
        "again), move it (`local_time`: its open tasks' due times move by as much), or give its open tasks to "
        "one person (`assignee`). An occurrence not written yet is written first. Tenant admins.",
        parameters=[ROUTINE_ID],
        request=OccurrenceEditSerializer,
        responses={200: OccurrenceSerializer, **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, routine_id: int) -> Response:
        data = dict(validated(OccurrenceEditSerializer, request))
        occurrence = services.occurrence_edit(routine=routine_get(routine_id), key=data.pop("occurrence"),
                                              acting_user=request.user, **data)  # fmt: skip
        return Response(OccurrenceSerializer(occurrence).data)


class RoutineSplitView(RoutinesApiMixin, TenantAPIView):
    @extend_schema(
        summary="Change this and following occurrences",
        description="Ends the routine just before `occurrence` and starts a new one there with the changes (name, "
        "time of day, horizon, members and links; the rest copied). Untouched tasks of the old routine from that "
        "occurrence on are cancelled and written again by the new one; occurrences whose work began are kept. "
        "Tenant admins. Answers the new routine.",
        parameters=[ROUTINE_ID],
        request=SplitSerializer,
        responses={201: RoutineSerializer, **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, routine_id: int) -> Response:
        data = dict(validated(SplitSerializer, request))
        if "members" in data:
            data["members"] = member_specs(data["members"])
        if "links" in data:
            data["links"] = [tuple(link) for link in data["links"]]
        new = services.routine_split(routine=routine_get(routine_id), key=data.pop("occurrence"),
                                     acting_user=request.user, **data)  # fmt: skip
        return Response(detail(new.pk), status=status.HTTP_201_CREATED)


class RoutinePauseView(RoutinesApiMixin, TenantAPIView):
    @extend_schema(
        summary="Pause or resume a routine",
        description="Paused: nothing new is generated (tasks already written stay). Resumed: generation goes on "
        "from now; occurrences that fell while paused are not written late. Tenant admins.",
        parameters=[ROUTINE_ID],
        request=PauseSerializer,
        responses={200: RoutineSerializer, **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, routine_id: int) -> Response:
        data = validated(PauseSerializer, request)
        routine = services.routine_pause(routine=routine_get(routine_id), acting_user=request.user, **data)
        return Response(detail(routine.pk))
