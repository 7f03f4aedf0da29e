"""Tenant API of tasks: `/api/v1/tasks/...` (docs/tasks.md). Members with access to the `tasks` solution
work on the tasks they see (apps/tasks/access.py); `me/today/` is the mobile app's home; tenant admins
(or API keys with `tasks:write`) manage templates. Refusals carry a `code`."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.surfaces.api import TenantAPIView, TenantListAPIView, validated
from apps.tasks import dependencies, services
from apps.tasks.access import (
    TasksApiMixin,
    admin_require,
    claim_target_get,
    manage_require,
    person_require,
    sees_everything,
    task_get_for,
    template_get,
)
from apps.tasks.lookups import (
    assignee_parts,
    checklist_pairs,
    member_get,
    template_by_code,
    workplace_by_code,
)
from apps.tasks.models import ChecklistItem, Task, TaskComment, TaskTemplate
from apps.tasks.selectors import my_today, task_list, with_progress

from .serializers import (
    AssignSerializer,
    AttachmentUploadSerializer,
    CheckInSerializer,
    ChecklistAddSerializer,
    ChecklistItemSerializer,
    CommentCreateSerializer,
    CommentSerializer,
    ReorderSerializer,
    StatusSerializer,
    TaskAttachmentSerializer,
    TaskCreateSerializer,
    TaskDetailSerializer,
    TaskSerializer,
    TaskTemplateSerializer,
    TaskUpdateSerializer,
    TemplateWriteSerializer,
    TodayTaskSerializer,
    WatcherSerializer,
)

REFUSED = {
    400: OpenApiResponse(
        description="Refused by a rule; `detail` says why and `code` names it (`title_required`, "
        "`invalid_transition`, `required_items_open`, `evidence_missing`, `blocked_by_predecessors`, "
        "`task_closed`, `outside_geofence`, `attachment_too_large`, `attachment_type`, `unknown_member` ...)."
    ),
    403: OpenApiResponse(
        description="Not a member, no access to the `tasks` solution, `person_required` for API keys on personal "
        "endpoints, `manage_refused`/`admin_required`, or an API key without the `tasks` scope."
    ),
    404: OpenApiResponse(description="No such task (or not visible to you)."),
}
CONFLICT = {409: OpenApiResponse(description="`already_claimed`: someone claimed the task first.")}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _date(value: str | None, field: str) -> datetime.datetime | None:
    if not value:
        return None
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError({field: ValidationError("Give a date as YYYY-MM-DD.", code="invalid_date")}) from exc
    return datetime.datetime.combine(day, datetime.time(), timezone.get_current_timezone())


def _float(value: str | None, field: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValidationError({field: ValidationError("Give a number.", code="invalid_position")}) from exc


def task_detail(task_id: int) -> Task:
    """The task page's whole tree in a fixed number of queries."""
    rows = with_progress(Task.objects.filter(pk=task_id)).select_related(
        "workplace", "assignee", "team", "role", "check_in_by"
    )
    task = rows.prefetch_related(
        Prefetch("checklist", queryset=ChecklistItem.objects.order_by("position")),
        "attachments",
        "watchers",
        Prefetch("comments", queryset=TaskComment.objects.prefetch_related("mentioned")),
    ).get()
    photos = {a.kind for a in task.attachments.all()}
    task.evidence_missing = [  # type: ignore[attr-defined]
        kind
        for kind in task.required_evidence
        if (kind in ("photo", "signature") and kind not in photos)
        or (kind == "note" and not task.completion_note.strip())
        or (kind == "check_in" and task.check_in_at is None)
    ]
    refusal = dependencies.start_refusal(task)
    task.blocked_by = refusal.messages[0] if refusal is not None else None  # type: ignore[attr-defined]
    return task


class TaskListView(TasksApiMixin, TenantListAPIView):
    serializer_class = TaskSerializer
    queryset = Task.objects.none()
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[Task]:
        params, request = self.request.query_params, self.request
        return task_list(
            visible_to=None if sees_everything(request) else request.user,
            status=params.get("status", ""),
            assignee=request.user if params.get("assignee") == "me" else None,
            workplace=workplace_by_code(params["workplace"]) if params.get("workplace") else None,
            due_from=_date(params.get("due_from"), "due_from"),
            due_to=_date(params.get("due_to"), "due_to"),
            overdue=params.get("overdue") in ("1", "true"),
            search=params.get("q", "").strip(),
        )

    @extend_schema(
        summary="List tasks",
        description="The tasks you see (yours, made or watched by you, your teams', your reports', the role tasks "
        "you may claim; tenant admins and API keys: every task), newest first, cursor paginated. Filters: `status` "
        "(a status or `open`), `assignee=me`, `workplace` (code), `due_from`/`due_to` (days), `overdue=1`, `q`.",
        parameters=[
            OpenApiParameter(name, str)
            for name in ("status", "assignee", "workplace", "due_from", "due_to", "overdue", "q")
        ],
        responses={200: TaskSerializer(many=True), 403: REFUSED[403]},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a task",
        description="From a template (`template`: its code; the checklist, estimate, evidence and assignee rule are "
        "copied) or from scratch. Assign to a person (`assignee`: email or id), a team (`team`: entity uuid) or "
        "a role (`role`: role uuid; anyone holding it at the workplace may claim it). Sends `task.created` and, "
        "for a person, `task.assigned`.",
        request=TaskCreateSerializer,
        responses={201: TaskDetailSerializer, **REFUSED},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(TaskCreateSerializer, request)
        common = {
            "acting_user": request.user if not getattr(request.user, "is_service_principal", False) else None,
            "workplace": workplace_by_code(data["workplace"]) if data.get("workplace") else None,
            "due_at": data.get("due_at"),
            **assignee_parts(data),
        }
        if data.get("template"):
            task = services.task_create_from_template(
                template=template_by_code(data["template"]),
                title=data.get("title"),
                description=data.get("description"),
                **common,
            )
        else:
            task = services.task_create(
                title=data.get("title", ""),
                description=data.get("description", ""),
                priority=data.get("priority", "normal"),
                checklist=checklist_pairs(data.get("checklist")),
                required_evidence=data.get("required_evidence", []),
                estimated_minutes=data.get("estimated_minutes"),
                **common,
            )
        return Response(TaskDetailSerializer(task_detail(task.pk)).data, status=status.HTTP_201_CREATED)


class MyTodayView(TasksApiMixin, TenantListAPIView):
    serializer_class = TodayTaskSerializer
    queryset = Task.objects.none()

    @property
    def cursor_ordering(self) -> tuple[str, ...]:  # type: ignore[override]
        near = self.request.query_params.get("lat") and self.request.query_params.get("lng")
        return ("near_rank", "id") if near else ("due_at", "id")

    def get_queryset(self) -> QuerySet[Task]:
        person_require(self.request.user)
        params = self.request.query_params
        lat, lng = _float(params.get("lat"), "lat"), _float(params.get("lng"), "lng")
        return my_today(user=self.request.user, lat=lat, lng=lng)

    @extend_schema(
        summary="My tasks today (near me)",
        description="Your open tasks due today, each in its workplace's local day, plus the role tasks due today you "
        "may claim (`claimable`), and before them the open ones already overdue (due before today: `overdue: true`). "
        "With `?lat=&lng=` the overdue ones first, then the nearest workplace first (`distance_m`, to the centre of "
        "its geofence); else by due time. Cursor paginated; a constant number of queries whatever the page.",
        parameters=[OpenApiParameter("lat", float), OpenApiParameter("lng", float)],
        responses={200: TodayTaskSerializer(many=True), 403: REFUSED[403]},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class TaskDetailView(TasksApiMixin, TenantAPIView):
    @extend_schema(
        summary="A task",
        description="With its checklist, attachments, comments, watchers, the evidence still missing and what "
        "blocks it (`blocked_by`: predecessors not done).",
        responses={200: TaskDetailSerializer, 403: REFUSED[403], 404: REFUSED[404]},
    )
    def get(self, request: Request, task: int) -> Response:
        return Response(TaskDetailSerializer(task_detail(task_get_for(request, task).pk)).data)

    @extend_schema(
        summary="Edit a task",
        description="Title, description, priority, due time, workplace (code). Whoever made it or a tenant admin.",
        request=TaskUpdateSerializer,
        responses={200: TaskDetailSerializer, **REFUSED},
    )
    def patch(self, request: Request, task: int) -> Response:
        found = task_get_for(request, task)
        manage_require(request, found)
        data = dict(validated(TaskUpdateSerializer, request))
        if "workplace" in data:
            data["workplace"] = workplace_by_code(data["workplace"]) if data["workplace"] else None
        services.task_update(task=found, acting_user=request.user, **data)
        return Response(TaskDetailSerializer(task_detail(found.pk)).data)


class TaskClaimView(TasksApiMixin, TenantAPIView):
    @extend_schema(
        summary="Claim a role task",
        description="The first person holding the task's role at its workplace takes it (`role_required` if you do "
        "not; 409 `already_claimed` when someone was first). Sends `task.claimed`.",
        request=None,
        responses={200: TaskDetailSerializer, **REFUSED, **CONFLICT},
    )
    def post(self, request: Request, task: int) -> Response:
        person_require(request.user)
        found = claim_target_get(request, task)
        try:
            services.task_claim(task=found, acting_user=request.user)
        except ValidationError as exc:
            if getattr(exc, "code", None) == "already_claimed":
                raise Conflict({"detail": exc.messages[0], "code": "already_claimed"}) from exc
            raise
        return Response(TaskDetailSerializer(task_detail(found.pk)).data)


class TaskAssignView(TasksApiMixin, TenantAPIView):
    @extend_schema(
        summary="Reassign a task",
        description="To a person (`assignee`), a team (`team`), a role (`role`) or nobody (`assignee_kind: nobody`). "
        "Whoever made it or a tenant admin. Sends `task.assigned` for a person.",
        request=AssignSerializer,
        responses={200: TaskDetailSerializer, **REFUSED},
    )
    def post(self, request: Request, task: int) -> Response:
        found = task_get_for(request, task)
        manage_require(request, found)
        services.task_assign(
            task=found, acting_user=request.user, **assignee_parts(validated(AssignSerializer, request))
        )
        return Response(TaskDetailSerializer(task_detail(found.pk)).data)


class TaskStatusView(TasksApiMixin, TenantAPIView):
    @extend_schema(
        summary="Move a task (start, block, complete, cancel, reopen)",
        description="`status`: todo, in_progress, blocked, done, cancelled. Completing needs the required "
        "checklist items ticked (`required_items_open`) and the required evidence (`evidence_missing`: photo, "
        "signature, note, check_in); `note` is then the completion note. Cancelling and editing: whoever made it "
        "or a tenant admin. Reopen: back to todo. Sends `task.completed`.",
        request=StatusSerializer,
        responses={200: TaskDetailSerializer, **REFUSED},
    )
    def post(self, request: Request, task: int) -> Response:
        found = task_get_for(request, task)
        data = validated(StatusSerializer, request)
        if data["status"] == "cancelled":
            manage_require(request, found)
        services.task_status_set(task=found, status=data["status"], note=data["note"], acting_user=request.user)
        return Response(TaskDetailSerializer(task_detail(found.pk)).data)


class TaskCheckInView(TasksApiMixin, TenantAPIView):
    @extend_schema(
        summary="Check in at the task's workplace",
        description="Check-in evidence: your position and its accuracy against the workplace's geofence "
        "(`outside_geofence` with the distance; `geofence_missing` when the workplace has none).",
        request=CheckInSerializer,
        responses={200: TaskDetailSerializer, **REFUSED},
    )
    def post(self, request: Request, task: int) -> Response:
        person_require(request.user)
        found = task_get_for(request, task)
        data = validated(CheckInSerializer, request)
        services.task_check_in(task=found, acting_user=request.user, **data)
        return Response(TaskDetailSerializer(task_detail(found.pk)).data)


def _item(task: Task, item: int) -> ChecklistItem:
    found = ChecklistItem.objects.filter(task=task, pk=item).select_related("task").first()
    if found is None:
        raise exceptions.NotFound("No such checklist item.")
    return found


class ChecklistAddView(TasksApiMixin, TenantAPIView):
    @extend_schema(
        summary="Add a checklist item",
        description="At the end of an open task's checklist.",
        request=ChecklistAddSerializer,
        responses={201: ChecklistItemSerializer, **REFUSED},
    )
    def post(self, request: Request, task: int) -> Response:
        found = task_get_for(request, task)
        data = validated(ChecklistAddSerializer, request)
        item = services.checklist_item_add(task=found, acting_user=request.user, **data)
        return Response(ChecklistItemSerializer(item).data, status=status.HTTP_201_CREATED)


class ChecklistReorderView(TasksApiMixin, TenantAPIView):
    @extend_schema(
        summary="Reorder the checklist",
        description="`items`: every item id once, in the new order.",
        request=ReorderSerializer,
        responses={200: ChecklistItemSerializer(many=True), **REFUSED},
    )
    def post(self, request: Request, task: int) -> Response:
        found = task_get_for(request, task)
        items = services.checklist_reorder(
            task=found, item_ids=validated(ReorderSerializer, request)["items"], acting_user=request.user
        )
        return Response(ChecklistItemSerializer(items, many=True).data)


class ChecklistTickView(TasksApiMixin, TenantAPIView):
    done = True

    @extend_schema(
        summary="Tick or untick a checklist item",
        description="`tick/` marks it done (who and when), `untick/` clears it; the task must be open.",
        request=None,
        responses={200: ChecklistItemSerializer, **REFUSED},
    )
    def post(self, request: Request, task: int, item: int) -> Response:
        found = _item(task_get_for(request, task), item)
        return Response(
            ChecklistItemSerializer(
                services.checklist_item_set(item=found, done=self.done, acting_user=request.user)
            ).data
        )


class AttachmentUploadView(TasksApiMixin, TenantAPIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Upload a photo, a signature or a file",
        description="Multipart: `file`, `kind` (photo, signature, file), optional `checklist_item`. The real type is "
        "read from the content: photos and signatures JPEG, PNG, WebP or HEIC up to 10 MB; files PDF, CSV, XLSX, "
        "DOCX, TXT up to 20 MB (`attachment_empty`, `attachment_type`, `attachment_too_large`).",
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: TaskAttachmentSerializer, **REFUSED},
    )
    def post(self, request: Request, task: int) -> Response:
        found = task_get_for(request, task)
        data = validated(AttachmentUploadSerializer, request)
        item = _item(found, data["checklist_item"]) if data.get("checklist_item") else None
        attachment = services.attachment_add(
            task=found, upload=data["file"], kind=data["kind"], checklist_item=item, acting_user=request.user
        )
        return Response(TaskAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class CommentListView(TasksApiMixin, TenantAPIView):
    @extend_schema(
        summary="Comments of a task",
        description="Oldest first, with who each one mentions.",
        responses={200: CommentSerializer(many=True), 403: REFUSED[403], 404: REFUSED[404]},
    )
    def get(self, request: Request, task: int) -> Response:
        found = task_get_for(request, task)
        rows = TaskComment.objects.filter(task=found).prefetch_related("mentioned")[:500]
        return Response(CommentSerializer(rows, many=True).data)

    @extend_schema(
        summary="Comment on a task",
        description='Mention members with @email or @"Full Name": they watch the task and are told. '
        "Sends `task.commented`.",
        request=CommentCreateSerializer,
        responses={201: CommentSerializer, **REFUSED},
    )
    def post(self, request: Request, task: int) -> Response:
        person_require(request.user)
        found = task_get_for(request, task)
        comment = services.comment_add(
            task=found, body=validated(CommentCreateSerializer, request)["body"], acting_user=request.user
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class WatcherView(TasksApiMixin, TenantAPIView):
    @extend_schema(
        summary="Watch a task",
        description="Add a member (`user`: email or id) to the watchers.",
        request=WatcherSerializer,
        responses={200: TaskDetailSerializer, **REFUSED},
    )
    def post(self, request: Request, task: int) -> Response:
        found = task_get_for(request, task)
        user = member_get(validated(WatcherSerializer, request)["user"], "user")
        services.watcher_add(task=found, user=user, acting_user=request.user)
        return Response(TaskDetailSerializer(task_detail(found.pk)).data)

    @extend_schema(
        summary="Stop watching a task",
        description="Remove a member (`user`) from the watchers.",
        request=WatcherSerializer,
        responses={200: TaskDetailSerializer, **REFUSED},
    )
    def delete(self, request: Request, task: int) -> Response:
        found = task_get_for(request, task)
        user = member_get(validated(WatcherSerializer, request)["user"], "user")
        services.watcher_remove(task=found, user=user, acting_user=request.user)
        return Response(TaskDetailSerializer(task_detail(found.pk)).data)


def _template_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in data.items() if k != "checklist"}
    if "checklist" in data:
        fields["checklist"] = checklist_pairs(data["checklist"])
    return fields


class TemplateListView(TasksApiMixin, TenantListAPIView):
    serializer_class = TaskTemplateSerializer
    queryset = TaskTemplate.objects.none()
    cursor_ordering = ("code",)

    def get_queryset(self) -> QuerySet[TaskTemplate]:
        return TaskTemplate.objects.prefetch_related("checklist")

    @extend_schema(
        summary="Task templates",
        description="By code, with their checklists.",
        responses={200: TaskTemplateSerializer(many=True), 403: REFUSED[403]},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a template",
        description="Tenant admins (or keys with `tasks:write`).",
        request=TemplateWriteSerializer,
        responses={201: TaskTemplateSerializer, **REFUSED},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        admin_require(request)
        template = services.template_create(
            acting_user=request.user, **_template_fields(validated(TemplateWriteSerializer, request))
        )
        return Response(TaskTemplateSerializer(template).data, status=status.HTTP_201_CREATED)


class TemplateDetailView(TasksApiMixin, TenantAPIView):
    @extend_schema(
        summary="A task template",
        description="Its checklist, evidence, assignee rule and current version.",
        responses={200: TaskTemplateSerializer, 403: REFUSED[403], 404: REFUSED[404]},
    )
    def get(self, request: Request, template: int) -> Response:
        return Response(TaskTemplateSerializer(template_get(template)).data)

    @extend_schema(
        summary="Change a template",
        description="Its `version` goes up; tasks already made from it keep what they copied. The code stays.",
        request=TemplateWriteSerializer,
        responses={200: TaskTemplateSerializer, **REFUSED},
    )
    def patch(self, request: Request, template: int) -> Response:
        admin_require(request)
        changed = services.template_update(
            template=template_get(template),
            acting_user=request.user,
            **_template_fields(validated(TemplateWriteSerializer, request)),
        )
        return Response(TaskTemplateSerializer(changed).data)
