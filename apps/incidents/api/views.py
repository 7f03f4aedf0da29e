"""Tenant API of incidents: `/api/v1/operations/incidents/...` (docs/incidents.md). People with access to
the `workplaces` solution report incidents (the mobile app: multipart photos, a client id so a retry
never duplicates) and read the ones they reported or investigate; tenant admins and API keys with
`operations:read`/`operations:write` read and manage all of them."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.dateparse import parse_date
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.core.errors import refused
from apps.incidents import services
from apps.incidents.access import (
    API_PERMISSIONS,
    attachment_get_for,
    incident_get_for,
    investigator_require,
    manager_require,
    reporter_or_manager_require,
    visible,
)
from apps.incidents.models import Incident, IncidentAction
from apps.incidents.selectors import incident_register
from apps.surfaces.api import TenantAPIView, TenantListCreateAPIView, validated
from apps.workplaces.models import Workplace

from .serializers import (
    ActionInputSerializer,
    ActionSerializer,
    AttachmentInputSerializer,
    IncidentAttachmentSerializer,
    IncidentDetailSerializer,
    IncidentPersonSerializer,
    IncidentReportSerializer,
    IncidentSerializer,
    InvestigationSerializer,
    PersonInputSerializer,
    RegulatorSerializer,
    TransitionSerializer,
)

REFUSED = {
    400: OpenApiResponse(
        description="Refused by a rule; `detail` says why and `code` names it (`invalid_type`, `unknown_workplace`, "
        "`occurred_in_future`, `invalid_transition`, `actions_open`, `investigation_required`, `reason_required`, "
        "`incident_closed`, `attachment_type`, `attachment_too_large`, `too_many_attachments`, `unknown_person` ...)."
    ),
    403: OpenApiResponse(
        description="Not a member, no access to the `workplaces` solution (`solution_access_required`, "
        "`solution_not_in_plan`), `admin_required`, or an API key without the `operations` scope."
    ),
}
CONFLICT = {
    409: OpenApiResponse(description="`idempotency_conflict`: this `client_id` was already sent with another report.")
}
NOT_FOUND = {404: OpenApiResponse(description="No such incident (or not one you may see).")}


def _member(value: Any, field: str) -> Any:
    """The user a body names by id; a person of another organisation is refused by the service."""
    if value is None:
        return None
    found = User.objects.filter(pk=value).first()
    if found is None:
        raise refused("That person is not a member of this organisation.", code="unknown_person", field=field)
    return found


def _site(code: str) -> Workplace:
    found = Workplace.objects.filter(code=(code or "").strip().upper()).first()
    if found is None:
        raise refused("No such site in this organisation.", code="unknown_workplace", field="workplace")
    return found


def _detail(request: Request, pk: int) -> Response:
    return Response(IncidentDetailSerializer(incident_get_for(request, pk, detail=True)).data)


class IncidentsAPIMixin:
    tenant_access = "member"
    resource_family = "operations"
    solution_code = "workplaces"
    permission_classes = API_PERMISSIONS


class IncidentListView(IncidentsAPIMixin, TenantListCreateAPIView):
    serializer_class = IncidentSerializer
    queryset = Incident.objects.none()
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Incident]:
        params = self.request.query_params
        workplace = (
            Workplace.objects.filter(code=params["workplace"].upper()).first() if params.get("workplace") else None
        )
        if params.get("workplace") and workplace is None:
            return Incident.objects.none()
        return incident_register(
            visible(self.request), status=params.get("status", ""), severity=params.get("severity", ""),
            type=params.get("type", ""), workplace=workplace, start=parse_date(params.get("from") or ""),
            end=parse_date(params.get("to") or ""), q=params.get("q", ""),
        )  # fmt: skip

    @extend_schema(
        summary="List incidents",
        description="Newest reported first (cursor paginated). Members see the incidents they reported or "
        "investigate; tenant admins and `operations:read` keys see all. Filters: `status` (or `open`), `severity`, "
        "`type`, `workplace` (site code), `from`/`to` (days the incidents occurred), `q` (reference such as "
        "INC-000042, title, description, location).",
        parameters=[OpenApiParameter(name, str) for name in ("status", "severity", "type", "workplace", "q")]
        + [OpenApiParameter("from", str, description="YYYY-MM-DD"), OpenApiParameter("to", str)],
        responses={200: IncidentSerializer(many=True), 403: REFUSED[403]},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Report an incident",
        description="JSON, or multipart with `photos` (repeat the field; JPEG, PNG, WebP, HEIC or PDF, 10 MB each) and "
        "`people` as a JSON string. With a `client_id`, a retry with the same body returns the first report (200) "
        "instead of a second one (201); the same `client_id` with a different body (any field, or other photos) is "
        "refused with 409 `idempotency_conflict`. A dangerous occurrence, or a high or critical injury, is flagged "
        "notifiable to the regulator (the deadline: the organisation's hours for the incident's type). All or "
        "nothing: a refused photo writes nothing. Sends `incident.reported`; tenant admins are told (high and "
        "critical at once).",
        request={"multipart/form-data": IncidentReportSerializer, "application/json": IncidentReportSerializer},
        responses={201: IncidentDetailSerializer, 200: IncidentDetailSerializer, **REFUSED, **CONFLICT},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(IncidentReportSerializer, request)
        try:
            incident, created = self.report(request, data)
        except ValidationError as exc:
            error = next(iter(exc.error_dict.values()))[0] if hasattr(exc, "error_dict") else exc.error_list[0]
            if error.code != "idempotency_conflict":
                raise
            return Response({"detail": error.messages[0], "code": error.code}, status=status.HTTP_409_CONFLICT)
        return Response(
            IncidentDetailSerializer(incident_get_for(request, incident.pk, detail=True)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def report(self, request: Request, data: Any) -> tuple[Incident, bool]:
        return services.incident_report(
            title=data["title"], type=data["type"], severity=data["severity"], occurred_at=data["occurred_at"],
            workplace=_site(data["workplace"]), description=data["description"], acting_user=request.user,
            client_id=data.get("client_id"), location_detail=data["location_detail"], latitude=data.get("latitude"),
            longitude=data.get("longitude"), injury=data["injury"], near_miss=data["near_miss"],
            immediate_actions=data["immediate_actions"], notifiable=data["notifiable"], photos=data["photos"],
            people=[services.PersonInput(role=p["role"], user=_member(p.get("user"), "people"), name=p.get("name", ""),
                                         notes=p.get("notes", "")) for p in data["people"]],
        )  # fmt: skip


class IncidentDetailView(IncidentsAPIMixin, TenantAPIView):
    @extend_schema(
        summary="An incident",
        description="With its investigation, people, photos and corrective actions (each with its task's status).",
        responses={200: IncidentDetailSerializer, 403: REFUSED[403], **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        return _detail(request, pk)


class TransitionView(IncidentsAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Move an incident along its workflow",
        description="reported → under_investigation → action_required → closed, and closed → reopened (with a "
        "`note`, the reason). Closing is refused while corrective tasks are open (`actions_open`) and, for high or "
        "critical incidents, before the investigation is completed (`investigation_required`). Tenant admins or "
        "`operations:write` keys. Sends `incident.status_changed` (and `incident.closed`).",
        request=TransitionSerializer,
        responses={200: IncidentDetailSerializer, **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        incident = incident_get_for(request, pk)
        manager_require(request)
        data = validated(TransitionSerializer, request)
        services.incident_transition(incident=incident, status=data["status"], note=data["note"],
                                     acting_user=request.user)  # fmt: skip
        return _detail(request, pk)


class InvestigationView(IncidentsAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Record the investigation",
        description="Findings, root cause, the investigator (a member's id; admins only change it) and whether it is "
        "completed (then both findings and root cause are needed). A reported incident moves to "
        "under_investigation. The investigator or tenant admins.",
        request=InvestigationSerializer,
        responses={200: IncidentDetailSerializer, **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        incident = incident_get_for(request, pk)
        investigator_require(request, incident)
        data = validated(InvestigationSerializer, request)
        investigator = _member(data.get("investigator"), "investigator")
        if investigator is not None and investigator.pk != incident.investigator_id:
            manager_require(request)
        services.incident_investigation_save(
            incident=incident, acting_user=request.user, findings=data["findings"], root_cause=data["root_cause"],
            investigator=investigator, completed=data["completed"],
        )  # fmt: skip
        return _detail(request, pk)


class ActionListView(IncidentsAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Corrective actions of an incident",
        description="Each action is a task (its status, assignee and due time).",
        responses={200: ActionSerializer(many=True), 403: REFUSED[403], **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        incident = incident_get_for(request, pk)
        rows = IncidentAction.objects.filter(incident=incident).select_related("task")
        return Response(ActionSerializer(rows, many=True).data)

    @extend_schema(
        summary="Add a corrective action",
        description="Creates a task at the incident's site (priority from the severity; origin `incidents.action`), "
        "optionally assigned to a member and due at a time. The incident then requires action. Tenant admins or "
        "`operations:write` keys.",
        request=ActionInputSerializer,
        responses={201: ActionSerializer, **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        incident = incident_get_for(request, pk)
        manager_require(request)
        data = validated(ActionInputSerializer, request)
        action = services.incident_action_create(
            incident=incident, title=data["title"], description=data["description"], due_at=data.get("due_at"),
            assignee=_member(data.get("assignee"), "assignee"), acting_user=request.user,
        )  # fmt: skip
        return Response(ActionSerializer(action).data, status=status.HTTP_201_CREATED)


class PersonListView(IncidentsAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Add a person involved",
        description="A member (`user`) or someone else (`name`), injured, witness or involved. Tenant admins or "
        "`operations:write` keys.",
        request=PersonInputSerializer,
        responses={201: IncidentPersonSerializer, **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        incident = incident_get_for(request, pk)
        manager_require(request)
        data = validated(PersonInputSerializer, request)
        person = services.PersonInput(role=data["role"], user=_member(data.get("user"), "user"),
                                      name=data.get("name", ""), notes=data.get("notes", ""))  # fmt: skip
        row = services.incident_person_add(incident=incident, person=person, acting_user=request.user)
        return Response(IncidentPersonSerializer(row).data, status=status.HTTP_201_CREATED)


class AttachmentListView(IncidentsAPIMixin, TenantAPIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Add a photo or document",
        description="Multipart `file`: JPEG, PNG, WebP or HEIC photos, or PDF (the type is read from the content, "
        "not the name), 10 MB at most, 20 per incident. The reporter on their own report, tenant admins on any.",
        request={"multipart/form-data": AttachmentInputSerializer},
        responses={201: IncidentAttachmentSerializer, **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        incident = incident_get_for(request, pk)
        reporter_or_manager_require(request, incident)
        data = validated(AttachmentInputSerializer, request)
        row = services.incident_attachment_add(incident=incident, upload=data["file"], acting_user=request.user)
        return Response(IncidentAttachmentSerializer(row).data, status=status.HTTP_201_CREATED)


class AttachmentFileView(IncidentsAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Download a photo or document",
        description="The file, through the storage backend, to whoever may see the incident.",
        responses={(200, "application/octet-stream"): bytes, 403: REFUSED[403], **NOT_FOUND},
    )
    def get(self, request: Request, pk: int, attachment_pk: int) -> FileResponse:
        found = attachment_get_for(request, pk, attachment_pk)
        return FileResponse(found.file.open("rb"), content_type=found.content_type, filename=found.name)


class RegulatorView(IncidentsAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Regulator: flag notifiable, set the deadline, record the notice",
        description="`notifiable` with an optional `deadline` (default: occurred_at plus the organisation's hours for "
        "the incident's type; a deadline the incident already has is kept); `notified_at` and `reference` record "
        "that the regulator was told (the warnings stop). Tenant admins or `operations:write` keys.",
        request=RegulatorSerializer,
        responses={200: IncidentDetailSerializer, **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        incident = incident_get_for(request, pk)
        manager_require(request)
        data = validated(RegulatorSerializer, request)
        services.incident_regulator_set(
            incident=incident, notifiable=data["notifiable"], deadline=data.get("deadline"),
            notified_at=data.get("notified_at"), reference=data["reference"], acting_user=request.user,
        )  # fmt: skip
        return _detail(request, pk)
