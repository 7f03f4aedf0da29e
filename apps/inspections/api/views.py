"""Tenant API of inspections: /api/v1/operations/inspections/... (scope family `operations`).

What a mobile app needs: the current templates, my due inspections, start one, upload photos, submit
(JSON, or multipart with the signature), read the result with its corrective tasks; admins also list
every result and read the trends. Refusals are `{"detail", "code"}` bodies (400, 404 or 409).
"""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.access import is_service_principal
from apps.inspections.access import AdminOnly, InspectionsApiMixin, inspection_for, visible_to
from apps.inspections.models import Inspection, InspectionTemplate
from apps.inspections.selectors import (
    current_templates,
    inspection_list,
    most_failed,
    my_due,
    score_trend,
    site_trends,
)
from apps.inspections.services import (
    evidence_add,
    inspection_claim,
    inspection_start,
    inspection_submit,
    signature_file,
)
from apps.surfaces.api import TenantAPIView, TenantListAPIView
from apps.workplaces.models import Workplace

from .serializers import (
    EvidenceInSerializer,
    EvidenceSerializer,
    InspectionRefusalSerializer,
    InspectionSerializer,
    InspectionTemplateSerializer,
    ResultSerializer,
    StartSerializer,
    SubmitSerializer,
    TemplateDetailSerializer,
    TrendsSerializer,
)

REFUSAL = OpenApiResponse(InspectionRefusalSerializer, description="Refused; `code` names the rule.")
FORBIDDEN = OpenApiResponse(description="Not a member, no access to Workplaces (`solution_access_required`, "
                            "`solution_not_in_plan`), or not a tenant admin (`admin_required`).")  # fmt: skip
NOT_FOUND = OpenApiResponse(InspectionRefusalSerializer, description="No such inspection (or not yours).")
CONFLICTS = {"already_submitted", "client_id_reused", "already_claimed"}


def refusal_response(exc: ValidationError) -> Response:
    """A service's coded refusal as `{"detail", "code", "errors"}` (409 for conflicts, else 400)."""
    errors = exc.error_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.error_list}
    first = next(error for errors_of in errors.values() for error in errors_of)
    code = first.code or "invalid"
    body = {"detail": " ".join(exc.messages), "code": code,
            "errors": {field: [{"message": " ".join(e.messages), "code": e.code} for e in errs]
                       for field, errs in errors.items()}}  # fmt: skip
    return Response(body, status=status.HTTP_409_CONFLICT if code in CONFLICTS else status.HTTP_400_BAD_REQUEST)


class TemplateListView(InspectionsApiMixin, TenantListAPIView):
    serializer_class = InspectionTemplateSerializer
    cursor_ordering = ("name", "id")
    queryset = InspectionTemplate.objects.none()

    def get_queryset(self) -> QuerySet[InspectionTemplate]:
        return current_templates()

    @extend_schema(summary="Inspection templates", description="The current version of every active template.",
                   responses={200: InspectionTemplateSerializer(many=True), 403: FORBIDDEN})  # fmt: skip
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class TemplateDetailView(InspectionsApiMixin, TenantAPIView):
    @extend_schema(
        summary="One template with its items",
        description="The current version, or `?version=N` for an older one (results keep theirs).",
        parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH), OpenApiParameter("version", int)],
        responses={200: TemplateDetailSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request: Request, code: str) -> Response:
        rows = InspectionTemplate.objects.filter(code=code).prefetch_related("items__section")
        version = request.query_params.get("version", "")
        found = rows.filter(version=int(version)).first() if version.isdigit() else rows.filter(is_current=True).first()
        if found is None:
            raise Http404("No such template.")
        return Response(TemplateDetailSerializer(found).data)


class MyDueView(InspectionsApiMixin, TenantListAPIView):
    serializer_class = InspectionSerializer
    cursor_ordering = ("due_at", "id")
    queryset = Inspection.objects.none()

    def get_queryset(self) -> QuerySet[Inspection]:
        days = self.request.query_params.get("days", "1")
        until = timezone.now() + datetime.timedelta(days=min(int(days) if days.isdigit() else 1, 31))
        return my_due(user=None if is_service_principal(self.request.user) else self.request.user, until=until)

    @extend_schema(
        summary="My due inspections",
        description="Due or started inspections assigned to you, to nobody, or offered to a role you hold at their "
        "site (claim one with `POST results/<id>/claim/`), due before now + `days` (default 1, at most 31), soonest "
        "first. An API key sees those assigned to nobody.",
        parameters=[OpenApiParameter("days", int)],
        responses={200: InspectionSerializer(many=True), 403: FORBIDDEN},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class InspectionListView(InspectionsApiMixin, TenantListAPIView):
    serializer_class = InspectionSerializer
    cursor_ordering = ("-id",)
    queryset = Inspection.objects.none()

    def get_queryset(self) -> QuerySet[Inspection]:
        params = self.request.query_params
        return inspection_list(user=visible_to(self.request), status=params.get("status", ""),
                               template=params.get("template", ""), workplace=params.get("workplace", ""))  # fmt: skip

    @extend_schema(
        summary="Inspections and results",
        description="Everything for tenant admins and API keys; yours (assigned, unassigned, offered to a role you "
        "hold at the site, or submitted by you) for others. Filters: `status` (due, in_progress, submitted, "
        "cancelled, open), `template`, `workplace`.",
        parameters=[
            OpenApiParameter("status", str),
            OpenApiParameter("template", str),
            OpenApiParameter("workplace", str),
        ],
        responses={200: InspectionSerializer(many=True), 403: FORBIDDEN},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class StartView(InspectionsApiMixin, TenantAPIView):
    @extend_schema(
        summary="Start an inspection",
        description="`inspection`: a due one (yours or unassigned: it becomes yours); or `template` + `workplace` "
        "codes for an unscheduled one on the current version. Closed: 400 `inspection_closed`.",
        request=StartSerializer,
        responses={201: InspectionSerializer, 200: InspectionSerializer, 400: REFUSAL, 403: FORBIDDEN,
                   404: NOT_FOUND},
    )  # fmt: skip
    def post(self, request: Request) -> Response:
        body = StartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        actor = request.user if getattr(request.user, "pk", None) else None
        try:
            if data.get("inspection"):
                inspection = inspection_start(inspection=inspection_for(request, data["inspection"]), acting_user=actor)
                return Response(InspectionSerializer(inspection).data)
            template = InspectionTemplate.objects.filter(code=data.get("template", ""), is_current=True).first()
            site = Workplace.objects.filter(code=data.get("workplace", ""), kind="site", is_active=True).first()
            if template is None or site is None:
                raise Http404("No such template or site.")
            inspection = inspection_start(template=template, workplace=site, acting_user=actor)
        except ValidationError as exc:
            return refusal_response(exc)
        return Response(InspectionSerializer(inspection).data, status=status.HTTP_201_CREATED)


class ClaimView(InspectionsApiMixin, TenantAPIView):
    @extend_schema(
        summary="Claim an inspection offered to a role",
        description="An inspection a schedule offered to a role (`role` set, `assignee` empty) is taken by the first "
        "person holding that role at its site, by the task engine's claim of its perform task: 200 with the "
        "inspection, now yours; 409 `already_claimed` when someone was first; 400 `role_required` (you do not hold "
        "the role there), `not_claimable` (not offered to a role) or `inspection_closed`. Starting or submitting an "
        "offered inspection claims it too.",
        request=None,
        parameters=[OpenApiParameter("inspection", int, OpenApiParameter.PATH)],
        responses={200: InspectionSerializer, 400: REFUSAL, 403: FORBIDDEN, 404: NOT_FOUND, 409: REFUSAL},
    )
    def post(self, request: Request, inspection: int) -> Response:
        found = inspection_for(request, inspection)
        try:
            claimed = inspection_claim(inspection=found, acting_user=request.user)
        except ValidationError as exc:
            return refusal_response(exc)
        return Response(InspectionSerializer(inspection_for(request, claimed.pk)).data)


class ResultView(InspectionsApiMixin, TenantAPIView):
    @extend_schema(
        summary="One inspection with its result",
        description="Answers (with each failed item's corrective task and its status), photos, signature, score.",
        parameters=[OpenApiParameter("inspection", int, OpenApiParameter.PATH)],
        responses={200: ResultSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request: Request, inspection: int) -> Response:
        found = inspection_for(request, inspection)
        return Response(ResultSerializer(found).data)


class EvidenceView(InspectionsApiMixin, TenantAPIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Upload a photo",
        description="Multipart `file` (JPEG, PNG, WebP, HEIC, PDF; else `attachment_type_refused`; over 10 MB: "
        "`attachment_too_large`) and optionally the `item` it shows.",
        parameters=[OpenApiParameter("inspection", int, OpenApiParameter.PATH)],
        request={"multipart/form-data": EvidenceInSerializer},
        responses={201: EvidenceSerializer, 400: REFUSAL, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def post(self, request: Request, inspection: int) -> Response:
        found = inspection_for(request, inspection)
        body = EvidenceInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = found.template.items.filter(pk=body.validated_data.get("item")).first()
        actor = request.user if getattr(request.user, "pk", None) else None
        try:
            evidence = evidence_add(inspection=found, upload=body.validated_data["file"], item=item, acting_user=actor)
        except ValidationError as exc:
            return refusal_response(exc)
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)


class SubmitView(InspectionsApiMixin, TenantAPIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="Submit an inspection",
        description="`answers`: every required item (`answers_missing`, one message per item); values by kind "
        "(`invalid_answer`). Scored on the server (weights, N/A left out); `passed` = score ≥ pass mark. Each "
        "failed item opens one corrective task. Idempotent on `client_id` (a retry: 200 with the result, no "
        "second task); submitted already with another id: 409 `already_submitted`.",
        parameters=[OpenApiParameter("inspection", int, OpenApiParameter.PATH)],
        request={"application/json": SubmitSerializer, "multipart/form-data": SubmitSerializer},
        responses={201: ResultSerializer, 200: ResultSerializer, 400: REFUSAL, 403: FORBIDDEN, 404: NOT_FOUND,
                   409: REFUSAL},
    )  # fmt: skip
    def post(self, request: Request, inspection: int) -> Response:
        found = inspection_for(request, inspection)
        body = SubmitSerializer(data=request.data)
        if not body.is_valid():
            field = next(iter(body.errors))
            return Response({"detail": f"{field}: {body.errors[field]}", "code": f"invalid_{field}",
                             "errors": body.errors}, status=status.HTTP_400_BAD_REQUEST)  # fmt: skip
        data = body.validated_data
        actor = request.user if getattr(request.user, "pk", None) else None
        try:
            signature = signature_file(upload=data.get("signature"), data_url=data["signature_data_url"])
            result, created = inspection_submit(
                inspection=found, answers=data["answers"], client_id=data["client_id"], signature=signature,
                notes=data["notes"], acting_user=actor,
            )  # fmt: skip
        except ValidationError as exc:
            return refusal_response(exc)
        return Response(
            ResultSerializer(result).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class TrendsView(InspectionsApiMixin, TenantAPIView):
    permission_classes = [*InspectionsApiMixin.permission_classes, AdminOnly]

    @extend_schema(
        summary="Inspection trends",
        description="Per template code (all versions) and optionally one site, over the last `weeks` (default 12): "
        "the weekly average score and pass rate, per site the score of each inspection in time order (the last 26) "
        "with its pass rate (lowest first), and the most failed items. Tenant admins and API keys.",
        parameters=[
            OpenApiParameter("template", str, required=True),
            OpenApiParameter("workplace", str),
            OpenApiParameter("weeks", int),
        ],
        responses={200: TrendsSerializer, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        weeks = params.get("weeks", "12")
        since = timezone.now() - datetime.timedelta(weeks=min(int(weeks) if weeks.isdigit() else 12, 104))
        template, workplace = params.get("template", ""), params.get("workplace", "")
        body = {"template": template, "workplace": workplace,
                "weeks": score_trend(template=template, workplace=workplace, since=since),
                "sites": site_trends(template=template, workplace=workplace, since=since),
                "most_failed": most_failed(template=template, workplace=workplace, since=since)}  # fmt: skip
        return Response(TrendsSerializer(body).data)
