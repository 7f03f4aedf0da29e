"""Tenant API of generated and scheduled reports: `/api/v1/reports/...` (docs/reporting.md). People with
access to the `reports` solution manage their own definitions and schedules; tenant admins and API keys with
`reports:read`/`reports:write` all of them. Long renders run in a worker: "generate now" answers 202 with a
run to poll."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.reporting import services
from apps.reporting.access import (
    API_PERMISSIONS,
    definition_get_for,
    definitions_for,
    file_get_for,
    run_get_for,
    runs_for,
    schedule_get_for,
    schedules_for,
)
from apps.reporting.datasets import DATASETS
from apps.reporting.downloads import file_response
from apps.reporting.filters import operators_of
from apps.reporting.models import ExternalRecipient, ReportDefinition, ReportRun, ReportSchedule
from apps.surfaces.api import TenantAPIView, TenantListAPIView, validated

from .serializers import (
    ReportDatasetSerializer,
    ReportDefinitionInputSerializer,
    ReportDefinitionPatchSerializer,
    ReportDefinitionSerializer,
    ReportGenerateSerializer,
    ReportRunSerializer,
    ReportScheduleInputSerializer,
    ReportSchedulePatchSerializer,
    ReportScheduleSerializer,
    ReportTableSerializer,
    table_data,
)

REFUSED = {
    400: OpenApiResponse(description="Refused by a rule; `detail` says why and `code` names it (`unknown_dataset`, "
                         "`unknown_grouping`, `unknown_column`, `invalid_period`, `invalid_rrule`, `empty_rrule`, "
                         "`rule_never_fires`, `recipients_required`, `unknown_person`, `invalid_email` ...)."),
    403: OpenApiResponse(description="Not a member, no access to the `reports` solution (`solution_access_required`, "
                         "`solution_not_in_plan`), or an API key without the `reports` scope."),
}  # fmt: skip
NOT_FOUND = {404: OpenApiResponse(description="No such object (or not one you may see).")}


class ReportsAPIMixin:
    tenant_access = "member"
    resource_family = "reports"
    solution_code = "reports"
    permission_classes = API_PERMISSIONS


def _definitions(request: Request) -> QuerySet[ReportDefinition]:
    return definitions_for(request).prefetch_related("workplaces")


def _schedules(request: Request) -> QuerySet[ReportSchedule]:
    return schedules_for(request).prefetch_related(
        "people", "roles", Prefetch("external_recipients", queryset=ExternalRecipient.objects.order_by("email"))
    )


class DatasetListView(ReportsAPIMixin, TenantAPIView):
    @extend_schema(summary="List report datasets", description="What a definition can report on: each dataset's "
                   "groupings (one per report), columns (aggregates), the columns chosen by default, and the "
                   "dimensions its filters can name (with their kind, operators and choices).",
                   responses={200: ReportDatasetSerializer(many=True), 403: REFUSED[403]})  # fmt: skip
    def get(self, request: Request) -> Response:
        data = [{
            "key": d.key, "label": d.label, "description": d.description,
            "groupings": [{"key": g.key, "label": g.label} for g in d.groupings],
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in d.columns],
            "default_columns": list(d.default_columns), "forms": bool(d.form_field),
            "dimensions": [{"key": m.key, "label": m.label, "kind": m.kind, "operators": operators_of(m.kind),
                            "choices": [{"value": v, "label": t} for v, t in m.choices.items()]} for m in d.dimensions],
        } for d in DATASETS.values()]  # fmt: skip
        return Response(ReportDatasetSerializer(data, many=True).data)


class DefinitionListView(ReportsAPIMixin, TenantListAPIView):
    serializer_class = ReportDefinitionSerializer
    queryset = ReportDefinition.objects.none()

    def get_queryset(self) -> QuerySet[ReportDefinition]:
        return _definitions(self.request)

    @extend_schema(summary="List report definitions", description="Newest first (cursor paginated). Members see "
                   "their own; tenant admins and `reports:read` keys see all.",
                   responses={200: ReportDefinitionSerializer(many=True), 403: REFUSED[403]})  # fmt: skip
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a report definition",
        description="A dataset, one grouping, columns (empty: the "
        "dataset's defaults), workplace ids (empty: all; a region includes its sites) and a period: "
        "relative (`last_week`, `last_month`, ...) or `fixed` with `period_start` and `period_end`. `filters` "
        "narrow the rows, all of them: on the dataset's dimensions (`GET datasets/`: e.g. a leave type, a status, a "
        "person of this organisation, a severity) and, with a `form`, on its answers.",
        request=ReportDefinitionInputSerializer,
        responses={201: ReportDefinitionSerializer, **REFUSED},
    )
    def post(self, request: Request) -> Response:
        data = validated(ReportDefinitionInputSerializer, request)
        definition = services.definition_create(acting_user=request.user, **data)
        return Response(ReportDefinitionSerializer(_definitions(request).get(pk=definition.pk)).data,
                        status=status.HTTP_201_CREATED)  # fmt: skip


class DefinitionDetailView(ReportsAPIMixin, TenantAPIView):
    @extend_schema(summary="Get a report definition", responses={200: ReportDefinitionSerializer, **NOT_FOUND})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ReportDefinitionSerializer(definition_get_for(request, pk)).data)

    @extend_schema(summary="Change a report definition", description="Any of the creation fields; a new dataset "
                   "without columns takes its default columns.", request=ReportDefinitionPatchSerializer,
                   responses={200: ReportDefinitionSerializer, **REFUSED, **NOT_FOUND})  # fmt: skip
    def patch(self, request: Request, pk: int) -> Response:
        definition = definition_get_for(request, pk)
        data = validated(ReportDefinitionPatchSerializer, request)
        services.definition_update(definition=definition, acting_user=request.user, **data)
        return Response(ReportDefinitionSerializer(_definitions(request).get(pk=definition.pk)).data)

    @extend_schema(summary="Delete a report definition", description="Its schedules and run history go with it; "
                   "files already generated stay downloadable.", responses={204: None, **NOT_FOUND})  # fmt: skip
    def delete(self, request: Request, pk: int) -> Response:
        services.definition_delete(definition=definition_get_for(request, pk), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DefinitionDataView(ReportsAPIMixin, TenantAPIView):
    @extend_schema(summary="Compute a report", description="The report's rows now, as JSON (one aggregate query; at "
                   "most 2,000 groups, `truncated` says when more were cut). What the portal shows as HTML.",
                   responses={200: ReportTableSerializer, **NOT_FOUND})  # fmt: skip
    def get(self, request: Request, pk: int) -> Response:
        table = services.report_table(definition_get_for(request, pk))
        return Response(ReportTableSerializer(table_data(table)).data)


class DefinitionGenerateView(ReportsAPIMixin, TenantAPIView):
    @extend_schema(summary="Generate a report file now", description="Queues a run that a worker renders (CSV, "
                   "XLSX or PDF); poll `/api/v1/reports/runs/{id}/` until `status` is `done`, then download "
                   "`report.download_url`. With a `client_id`, a retry answers 200 with the first run.",
                   request=ReportGenerateSerializer,
                   responses={202: ReportRunSerializer, 200: ReportRunSerializer, **REFUSED, **NOT_FOUND})  # fmt: skip
    def post(self, request: Request, pk: int) -> Response:
        definition = definition_get_for(request, pk)
        data = validated(ReportGenerateSerializer, request)
        run, created = services.run_request(definition=definition, format=data["format"], acting_user=request.user,
                                            client_id=data.get("client_id"))  # fmt: skip
        return Response(
            ReportRunSerializer(run).data, status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        )


def _schedule_input(data: dict[str, Any]) -> dict[str, Any]:
    """Member ids and role ids go to the service as they are: it refuses any that is not this organisation's."""
    return dict(data)


class ScheduleListView(ReportsAPIMixin, TenantListAPIView):
    serializer_class = ReportScheduleSerializer
    queryset = ReportSchedule.objects.none()

    def get_queryset(self) -> QuerySet[ReportSchedule]:
        return _schedules(self.request)

    @extend_schema(
        summary="List report schedules",
        description="Newest first (cursor paginated), with their recipients and next run.",
        responses={200: ReportScheduleSerializer(many=True), 403: REFUSED[403]},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Schedule a report",
        description="An RFC 5545 rule (no COUNT or UNTIL: until paused) in "
        "`time_zone` (default: the organisation's): a weekly 08:00 report stays at 08:00 local across "
        "daylight-saving changes. Recipients: member ids (`people`), role ids and external emails (each "
        "confirms by a link first). Delivery `link` (a signed link valid 7 days) or `attachment`. A "
        "rule that never fires and a schedule without recipients are refused.",
        request=ReportScheduleInputSerializer,
        responses={201: ReportScheduleSerializer, **REFUSED},
    )
    def post(self, request: Request) -> Response:
        data = _schedule_input(validated(ReportScheduleInputSerializer, request))
        definition = definition_get_for(request, data.pop("definition"))
        emails = data.pop("external_emails")
        schedule = services.schedule_create(definition=definition, acting_user=request.user, external_emails=emails,
                                            **data)  # fmt: skip
        return Response(ReportScheduleSerializer(_schedules(request).get(pk=schedule.pk)).data,
                        status=status.HTTP_201_CREATED)  # fmt: skip


class ScheduleDetailView(ReportsAPIMixin, TenantAPIView):
    @extend_schema(summary="Get a report schedule", responses={200: ReportScheduleSerializer, **NOT_FOUND})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ReportScheduleSerializer(_schedules(request).get(pk=schedule_get_for(request, pk).pk)).data)

    @extend_schema(summary="Change a report schedule", description="Any of the creation fields but the definition; "
                   "a recipient list given replaces that list.", request=ReportSchedulePatchSerializer,
                   responses={200: ReportScheduleSerializer, **REFUSED, **NOT_FOUND})  # fmt: skip
    def patch(self, request: Request, pk: int) -> Response:
        schedule = schedule_get_for(request, pk)
        data = _schedule_input(validated(ReportSchedulePatchSerializer, request))
        services.schedule_update(schedule=schedule, acting_user=request.user, **data)
        return Response(ReportScheduleSerializer(_schedules(request).get(pk=schedule.pk)).data)

    @extend_schema(summary="Delete a report schedule", description="Its run history goes with it.",
                   responses={204: None, **NOT_FOUND})  # fmt: skip
    def delete(self, request: Request, pk: int) -> Response:
        services.schedule_delete(schedule=schedule_get_for(request, pk), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SchedulePauseView(ReportsAPIMixin, TenantAPIView):
    change = "pause"

    @extend_schema(summary="Pause or resume a report schedule", description="`pause/` stops its runs; `resume/` "
                   "starts again from now (occurrences missed while paused are not sent). Refused with "
                   "`schedule_paused` / `schedule_active` when already so.", request=None,
                   responses={200: ReportScheduleSerializer, **REFUSED, **NOT_FOUND})  # fmt: skip
    def post(self, request: Request, pk: int) -> Response:
        schedule = schedule_get_for(request, pk)
        change = services.schedule_pause if self.change == "pause" else services.schedule_resume
        change(schedule=schedule, acting_user=request.user)
        return Response(ReportScheduleSerializer(_schedules(request).get(pk=schedule.pk)).data)


class ScheduleSendNowView(ReportsAPIMixin, TenantAPIView):
    @extend_schema(summary="Send a report schedule now", description="A run outside the rule, sent to the "
                   "schedule's recipients by a worker (202; poll `runs/{id}/`); the rule's next run is unchanged. "
                   "Refused with `schedule_paused` when paused.", request=None,
                   responses={202: ReportRunSerializer, **REFUSED, **NOT_FOUND})  # fmt: skip
    def post(self, request: Request, pk: int) -> Response:
        run = services.schedule_send_now(schedule=schedule_get_for(request, pk), acting_user=request.user)
        return Response(ReportRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class RunListView(ReportsAPIMixin, TenantListAPIView):
    serializer_class = ReportRunSerializer
    queryset = ReportRun.objects.none()
    cursor_ordering = ("-scheduled_for", "-id")

    def get_queryset(self) -> QuerySet[ReportRun]:
        rows = runs_for(self.request)
        params = self.request.query_params
        if params.get("schedule", "").isdigit():
            rows = rows.filter(schedule_id=int(params["schedule"]))
        if params.get("definition", "").isdigit():
            rows = rows.filter(definition_id=int(params["definition"]))
        if params.get("status"):
            rows = rows.filter(status=params["status"])
        return rows

    @extend_schema(summary="List report runs", description="The history of every run, newest occurrence first "
                   "(cursor paginated): scheduled ones (occurrence, status queued/running/sent/failed, attempts, "
                   "error, timings, file) and generate-now ones (status done). Filters: `schedule`, `definition`, "
                   "`status`.", parameters=[OpenApiParameter(n, str) for n in ("schedule", "definition", "status")],
                   responses={200: ReportRunSerializer(many=True), 403: REFUSED[403]})  # fmt: skip
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class RunDetailView(ReportsAPIMixin, TenantAPIView):
    @extend_schema(summary="Get a report run", responses={200: ReportRunSerializer, **NOT_FOUND})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ReportRunSerializer(run_get_for(request, pk)).data)


class FileView(ReportsAPIMixin, TenantAPIView):
    @extend_schema(summary="Download a generated report", description="The file (CSV, XLSX or PDF) as an "
                   "attachment. Admins, the definition's owner, who asked for it, and the members a schedule sent "
                   "it to.", responses={(200, "application/octet-stream"): bytes, **NOT_FOUND})  # fmt: skip
    def get(self, request: Request, pk: int) -> FileResponse:
        report = file_get_for(request, pk)
        return file_response(report)
