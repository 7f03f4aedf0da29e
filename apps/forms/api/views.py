"""Tenant API of forms: `/api/v1/reports/forms/...` (docs/reports.md). People with the `reports` solution read
the forms available to them and submit (the mobile app: JSON or multipart with photos, a client id so a retry
never duplicates, offline drafts); tenant admins and API keys with `reports:read`/`reports:write` build,
publish and read every submission; managers and approvers review."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404
from django.utils.dateparse import parse_date
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.access.models import Role
from apps.accounts.api.errors import coded_exception_handler
from apps.accounts.models import User
from apps.forms import services
from apps.forms.access import (
    API_PERMISSIONS,
    builder_require,
    person_require,
    reviewer_require,
    sees_everything,
    submission_get_for,
    template_get_for,
    visible,
)
from apps.forms.models import FormField, FormTemplate, FormVersion, SubmissionComment, SubmissionFile
from apps.forms.selectors import keyset_page, submission_list, templates_available
from apps.surfaces.api import TenantAPIView, validated
from apps.tasks.models import Task
from apps.workplaces.models import Workplace

from .serializers import (
    FormSchemaSerializer,
    FormTemplateDetailSerializer,
    FormTemplateInputSerializer,
    FormTemplateSerializer,
    FormTemplateUpdateSerializer,
    FormVersionSerializer,
    FormVersionSummarySerializer,
    SubmissionCommentInputSerializer,
    SubmissionCommentSerializer,
    SubmissionCreateSerializer,
    SubmissionDetailSerializer,
    SubmissionDraftSerializer,
    SubmissionFileInputSerializer,
    SubmissionFileSerializer,
    SubmissionReviewSerializer,
    SubmissionSerializer,
    SubmissionSubmitSerializer,
)

REFUSED = {
    400: OpenApiResponse(
        description="Refused by a rule: `detail` says why, `code` names it, `errors` has the messages per field "
        "key and `codes` the code of each (`required`, `invalid_number`, `below_min`, `above_max`, "
        "`invalid_choice`, `too_many_photos`, `too_few_photos`, `attachment_type`, `attachment_too_large`, "
        "`unknown_field`, `form_not_published`, `unknown_workplace`, `not_a_draft` …)."
    ),
    403: OpenApiResponse(
        description="Not a member, no access to the `reports` solution (`solution_access_required`, "
        "`solution_not_in_plan`), `admin_required`, `reviewer_required`, `person_required`, or an API key without "
        "the `reports` scope."
    ),
}
CONFLICT = {409: OpenApiResponse(description="`idempotency_conflict`: this client id was used with another body.")}
NOT_FOUND = {404: OpenApiResponse(description="No such form or submission (or not one you may see).")}


def forms_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The project's coded errors, plus `codes` (each field's codes) and 409 for an idempotency conflict."""
    response = coded_exception_handler(exc, context)
    if isinstance(exc, ValidationError) and response is not None:
        if hasattr(exc, "error_dict"):
            response.data["codes"] = {
                key: [e.code or "invalid" for e in errors] for key, errors in exc.error_dict.items()
            }
            if getattr(exc, "code", None):
                response.data["code"] = exc.code
        if response.data.get("code") == "idempotency_conflict":
            response.status_code = status.HTTP_409_CONFLICT
    return response


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _workplace(code: str) -> Workplace | None:
    code = (code or "").strip().upper()
    if not code:
        return None
    found = Workplace.objects.filter(code=code).first()
    if found is None:
        raise _error("workplace", "No such workplace in this organisation.", "unknown_workplace")
    return found


def _workplaces(codes: list[str]) -> list[Workplace]:
    return [w for w in (_workplace(code) for code in codes) if w is not None]


def _roles(codes: list[str]) -> list[Role]:
    found = list(Role.objects.filter(code__in=codes))
    if len(found) != len(set(codes)):
        raise _error("roles", "No such role in this organisation.", "unknown_role")
    return found


def _task(pk: int | None, request: Request) -> Task | None:
    if pk is None:
        return None
    found = Task.objects.filter(pk=pk).first()
    if found is None or (not sees_everything(request) and found.assignee_id not in (None, request.user.pk)):
        raise _error("task", "No such task of yours.", "unknown_task")
    return found


def _files(request: Request) -> dict[str, list[Any]]:
    """Multipart files named `files.<field key>` (repeat the part for several photos)."""
    found: dict[str, list[Any]] = {}
    for name in request.FILES:
        if name.startswith("files."):
            found[name[len("files.") :]] = request.FILES.getlist(name)
    return found


def _templates(rows: QuerySet[FormTemplate]) -> QuerySet[FormTemplate]:
    return rows.prefetch_related(
        "workplaces", Prefetch("current_version__fields", queryset=FormField.objects.order_by("position"))
    ).order_by("name", "pk")


class FormsAPIMixin:
    tenant_access = "member"
    resource_family = "reports"
    solution_code = "reports"
    permission_classes = API_PERMISSIONS

    def get_exception_handler(self) -> Any:
        return forms_exception_handler


# --- templates -------------------------------------------------------------------------------------------


class FormTemplateListView(FormsAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Forms I may fill in",
        description="Published forms available to the caller (their roles, and the workplaces their roles cover), "
        "each with its current version's fields (key, type, config: unit, min/max, options, photo limits, "
        "formula, condition). Tenant admins and API keys see every published form; with `all=1` also drafts and "
        "archived ones.",
        parameters=[OpenApiParameter("all", bool)],
        responses={200: FormTemplateSerializer(many=True), 403: REFUSED[403]},
    )
    def get(self, request: Request) -> Response:
        everyone = sees_everything(request)
        if everyone and request.query_params.get("all") in ("1", "true"):
            rows = FormTemplate.objects.select_related("current_version")
        else:
            rows = templates_available(request.user, everyone=everyone)
        return Response(FormTemplateSerializer(_templates(rows), many=True).data)

    @extend_schema(
        summary="Create a form (draft)",
        description="Name, description, review, assignment (workplace and role codes) and the working copy "
        "(`schema`). Nobody fills it in until it is published. Tenant admins or `reports:write` keys.",
        request=FormTemplateInputSerializer,
        responses={201: FormTemplateDetailSerializer, **REFUSED},
    )
    def post(self, request: Request) -> Response:
        builder_require(request)
        data = validated(FormTemplateInputSerializer, request)
        template = services.template_create(
            name=data["name"], description=data["description"], review_required=data["review_required"],
            workplaces=_workplaces(data["workplaces"]), roles=_roles(data["roles"]), schema=data.get("schema"),
            acting_user=request.user,
        )  # fmt: skip
        return Response(FormTemplateDetailSerializer(template).data, status=status.HTTP_201_CREATED)


class FormTemplateDetailView(FormsAPIMixin, TenantAPIView):
    @extend_schema(
        summary="A form",
        description="Its current version's fields; for tenant admins also the working copy and the assignment.",
        responses={200: FormTemplateDetailSerializer, 403: REFUSED[403], **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        template = template_get_for(request, pk)
        serializer = FormTemplateDetailSerializer if sees_everything(request) else FormTemplateSerializer
        return Response(serializer(template).data)

    @extend_schema(
        summary="Change a form's name, review or assignment",
        description="Not part of a version: applies at once. Tenant admins or `reports:write` keys.",
        request=FormTemplateUpdateSerializer,
        responses={200: FormTemplateDetailSerializer, **REFUSED, **NOT_FOUND},
    )
    def patch(self, request: Request, pk: int) -> Response:
        template = template_get_for(request, pk)
        builder_require(request)
        data = validated(FormTemplateUpdateSerializer, request)
        template = services.template_update(
            template=template, acting_user=request.user, name=data.get("name"), description=data.get("description"),
            review_required=data.get("review_required"),
            workplaces=_workplaces(data["workplaces"]) if "workplaces" in data else None,
            roles=_roles(data["roles"]) if "roles" in data else None,
        )  # fmt: skip
        return Response(FormTemplateDetailSerializer(template).data)


class FormSchemaView(FormsAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Replace a form's working copy",
        description="The sections and fields the builder edits; checked in full when published. Tenant admins or "
        "`reports:write` keys.",
        request=FormSchemaSerializer,
        responses={200: FormTemplateDetailSerializer, **REFUSED, **NOT_FOUND},
    )
    def put(self, request: Request, pk: int) -> Response:
        template = template_get_for(request, pk)
        builder_require(request)
        data = validated(FormSchemaSerializer, request)
        template = services.template_schema_save(template=template, schema=data["schema"], acting_user=request.user)
        return Response(FormTemplateDetailSerializer(template).data)


class FormPublishView(FormsAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Publish the working copy as a new version",
        description="Checked first (unique keys, known types, conditions and formulas pointing to earlier fields, "
        "formulas over numbers only; `invalid_schema` with a message per field key). Submissions already made "
        "keep their version. Sends `form.published`. Tenant admins or `reports:write` keys.",
        request=None,
        responses={201: FormVersionSerializer, **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        template = template_get_for(request, pk)
        builder_require(request)
        version = services.template_publish(template=template, acting_user=request.user)
        return Response(FormVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class FormArchiveView(FormsAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Archive a form",
        description="No new submissions; existing ones stay readable and reviewable. Tenant admins or "
        "`reports:write` keys.",
        request=None,
        responses={200: FormTemplateDetailSerializer, **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        template = template_get_for(request, pk)
        builder_require(request)
        return Response(
            FormTemplateDetailSerializer(services.template_archive(template=template, acting_user=request.user)).data
        )


class FormVersionListView(FormsAPIMixin, TenantAPIView):
    @extend_schema(
        summary="A form's versions",
        description="Newest first. Every version stays readable (its submissions are rendered on it).",
        responses={200: FormVersionSummarySerializer(many=True), 403: REFUSED[403], **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        template = template_get_for(request, pk)
        return Response(FormVersionSummarySerializer(template.versions.order_by("-number"), many=True).data)


class FormVersionDetailView(FormsAPIMixin, TenantAPIView):
    @extend_schema(
        summary="One version of a form",
        description="Its frozen schema and fields.",
        responses={200: FormVersionSerializer, 403: REFUSED[403], **NOT_FOUND},
    )
    def get(self, request: Request, pk: int, number: int) -> Response:
        template = template_get_for(request, pk)
        version = FormVersion.objects.prefetch_related("fields").filter(template=template, number=number).first()
        if version is None:
            raise Http404("No such version.")
        return Response(FormVersionSerializer(version).data)


# --- submissions -----------------------------------------------------------------------------------------


def _detail(request: Request, pk: Any, code: int = status.HTTP_200_OK) -> Response:
    return Response(SubmissionDetailSerializer(submission_get_for(request, pk, detail=True)).data, status=code)


class SubmissionListView(FormsAPIMixin, TenantAPIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="Submissions",
        description="Sent submissions the caller sees (their own; a manager also their reports'; tenant admins and "
        "`reports:read` keys all), newest sent first, 50 a page: pass `next` back as `after`. Filters: "
        "`template`, `workplace` (code), `person` (user id), `status`, `from`/`to` (days sent), `mine=1`.",
        parameters=[OpenApiParameter(n, str) for n in ("template", "workplace", "person", "status", "after", "mine")]
        + [OpenApiParameter("from", str, description="YYYY-MM-DD"), OpenApiParameter("to", str)],
        responses={200: SubmissionSerializer(many=True), 403: REFUSED[403]},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        try:
            template = int(params["template"]) if params.get("template") else None
            workplace = _workplace(params.get("workplace", "")) if params.get("workplace") else None
            person = User.objects.filter(pk=params["person"]).first() if params.get("person") else None
        except (ValueError, ValidationError):
            return Response({"results": [], "next": ""})
        if params.get("mine") in ("1", "true"):
            person = request.user
        rows = submission_list(
            visible(request), template=template, workplace=workplace, person=person, status=params.get("status", ""),
            start=parse_date(params.get("from") or ""), end=parse_date(params.get("to") or ""),
        )  # fmt: skip
        page, cursor = keyset_page(rows, params.get("after", ""))
        return Response({"results": SubmissionSerializer(page, many=True).data, "next": cursor})

    @extend_schema(
        summary="Submit a form (or save a draft)",
        description="JSON, or multipart with `answers` as a JSON string and photos as `files.<field key>` parts "
        "(repeat for several; JPEG, PNG, WebP or HEIC, 10 MB each; the type is read from the content). Validated "
        "against the version (default: the current one) with a message per field; hidden conditional fields are "
        "not required and their answers dropped; computed fields are computed here. `status: draft` saves an "
        "incomplete draft (types only). With the same `client_id` and body a retry returns the first submission "
        "(200); another body under the same id is refused (409 `idempotency_conflict`). Sends "
        "`submission.submitted`; a workflow for form submissions (Approvals) routes its review.",
        request={"application/json": SubmissionCreateSerializer, "multipart/form-data": SubmissionCreateSerializer},
        responses={201: SubmissionDetailSerializer, 200: SubmissionDetailSerializer, **REFUSED, **CONFLICT},
    )
    def post(self, request: Request) -> Response:
        person_require(request)
        data = validated(SubmissionCreateSerializer, request)
        template = template_get_for(request, data["template"], to_fill=True)
        submission, created = services.submission_create(
            template=template, acting_user=request.user, answers=data["answers"], client_id=data.get("client_id"),
            workplace=_workplace(data["workplace"]), task=_task(data["task"], request), version=data["version"],
            submit=data["status"] == "submitted", files=_files(request),
        )  # fmt: skip
        return _detail(request, submission.pk, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class SubmissionDraftListView(FormsAPIMixin, TenantAPIView):
    @extend_schema(
        summary="My drafts",
        description="The caller's drafts, last changed first (100 at most).",
        responses={200: SubmissionSerializer(many=True), 403: REFUSED[403]},
    )
    def get(self, request: Request) -> Response:
        person_require(request)
        rows = submission_list(visible(request), person=request.user, drafts=True)[:100]
        return Response(SubmissionSerializer(rows, many=True).data)


class SubmissionDetailView(FormsAPIMixin, TenantAPIView):
    @extend_schema(
        summary="A submission",
        description="Its answers (as on its version), files, comments and review.",
        responses={200: SubmissionDetailSerializer, 403: REFUSED[403], **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        return _detail(request, pk)

    @extend_schema(
        summary="Change a draft",
        description="Answers merged into the draft's (null removes one), checked for their types only; the "
        "workplace (code). The draft's maker only; a sent submission is refused (`not_a_draft`).",
        request=SubmissionDraftSerializer,
        responses={200: SubmissionDetailSerializer, **REFUSED, **NOT_FOUND},
    )
    def patch(self, request: Request, pk: int) -> Response:
        submission = submission_get_for(request, pk)
        data = validated(SubmissionDraftSerializer, request)
        extra: dict[str, Any] = {"workplace": _workplace(data["workplace"])} if "workplace" in data else {}
        services.submission_draft_update(submission=submission, acting_user=request.user, answers=data["answers"],
                                         **extra)  # fmt: skip
        return _detail(request, pk)


class SubmissionSubmitView(FormsAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Send a draft",
        description="Validated in full against its version (with the photos uploaded to it). Sending one already "
        "sent returns it (a retry). Sends `submission.submitted`.",
        request=SubmissionSubmitSerializer,
        responses={200: SubmissionDetailSerializer, **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        submission = submission_get_for(request, pk)
        data = validated(SubmissionSubmitSerializer, request)
        services.submission_submit(submission=submission, acting_user=request.user, answers=data.get("answers"))
        return _detail(request, pk)


class SubmissionFileListView(FormsAPIMixin, TenantAPIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Add a photo or the signature to a draft",
        description="Multipart `field_key` and `file` (JPEG, PNG, WebP or HEIC; a signature PNG, JPEG or WebP; "
        "10 MB). The same bytes twice are one file (a retried upload). Refused over the field's photo limit "
        "(`too_many_photos`).",
        request={"multipart/form-data": SubmissionFileInputSerializer},
        responses={201: SubmissionFileSerializer, **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        submission = submission_get_for(request, pk)
        data = validated(SubmissionFileInputSerializer, request)
        row = services.submission_file_add(submission=submission, field_key=data["field_key"], upload=data["file"],
                                           acting_user=request.user)  # fmt: skip
        return Response(SubmissionFileSerializer(row).data, status=status.HTTP_201_CREATED)


class SubmissionFileView(FormsAPIMixin, TenantAPIView):
    def _file(self, request: Request, pk: int, file_pk: int) -> SubmissionFile:
        submission = submission_get_for(request, pk)
        found = SubmissionFile.objects.select_related("submission").filter(submission=submission, pk=file_pk).first()
        if found is None:
            raise Http404("No such file.")
        return found

    @extend_schema(summary="Download a submission's file", description="The photo or signature as uploaded.",
                   responses={(200, "application/octet-stream"): bytes, **NOT_FOUND})  # fmt: skip
    def get(self, request: Request, pk: int, file_pk: int) -> FileResponse:
        row = self._file(request, pk, file_pk)
        return FileResponse(row.file.open("rb"), content_type=row.content_type)

    @extend_schema(summary="Remove a file from a draft", description="The draft's maker only.",
                   responses={204: None, **REFUSED, **NOT_FOUND})  # fmt: skip
    def delete(self, request: Request, pk: int, file_pk: int) -> Response:
        services.submission_file_remove(file=self._file(request, pk, file_pk), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SubmissionReviewView(FormsAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Approve or reject a submission",
        description="With an approval workflow for form submissions, the person asked to decide its open step; "
        "without one, a tenant admin or the submitter's manager. Rejecting needs a `note` (`reason_required`). "
        "Sends `submission.approved` / `submission.rejected` and tells the submitter.",
        request=SubmissionReviewSerializer,
        responses={200: SubmissionDetailSerializer, **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        submission = submission_get_for(request, pk)
        reviewer_require(request, submission)
        data = validated(SubmissionReviewSerializer, request)
        services.submission_review(submission=submission, outcome=data["outcome"], note=data["note"],
                                   acting_user=request.user)  # fmt: skip
        return _detail(request, pk)


class SubmissionCommentListView(FormsAPIMixin, TenantAPIView):
    @extend_schema(summary="A submission's comments", description="Oldest first.",
                   responses={200: SubmissionCommentSerializer(many=True), **NOT_FOUND})  # fmt: skip
    def get(self, request: Request, pk: int) -> Response:
        submission = submission_get_for(request, pk)
        rows = SubmissionComment.objects.filter(submission=submission).select_related("author")
        return Response(SubmissionCommentSerializer(rows, many=True).data)

    @extend_schema(
        summary="Comment on a submission",
        description="Anyone who sees it. Tells the submitter (unless they wrote it).",
        request=SubmissionCommentInputSerializer,
        responses={201: SubmissionCommentSerializer, **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        submission = submission_get_for(request, pk)
        person_require(request)
        data = validated(SubmissionCommentInputSerializer, request)
        comment = services.submission_comment(submission=submission, acting_user=request.user, body=data["body"])
        return Response(SubmissionCommentSerializer(comment).data, status=status.HTTP_201_CREATED)
