"""Tenant API shapes of tasks. Times are ISO 8601 with offset; `due_local` is the due time in the
workplace's time zone."""

import zoneinfo
from typing import Any

from rest_framework import serializers

from apps.tasks.models import (
    AssigneeKind,
    AttachmentKind,
    ChecklistItem,
    Evidence,
    Task,
    TaskAttachment,
    TaskComment,
    TaskPriority,
    TaskStatus,
    TaskTemplate,
    TemplateChecklistItem,
)


def _zone(task: Task) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(task.workplace.time_zone) if task.workplace_id and task.workplace else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class TaskSerializer(serializers.ModelSerializer[Task]):
    workplace = serializers.SlugRelatedField(slug_field="code", read_only=True)
    assignee_id = serializers.UUIDField(read_only=True, allow_null=True, help_text="The person (or who claimed it).")
    assignee_name = serializers.SerializerMethodField()
    role = serializers.CharField(source="role.name", read_only=True, allow_null=True, default=None)
    team = serializers.CharField(source="team.name", read_only=True, allow_null=True, default=None)
    due_local = serializers.SerializerMethodField(help_text="The due time in the workplace's time zone.")
    checklist_total = serializers.IntegerField(source="items_total", read_only=True, default=None)
    checklist_done = serializers.IntegerField(source="items_done", read_only=True, default=None)
    completion_percent = serializers.SerializerMethodField()
    claimable = serializers.SerializerMethodField(help_text="Offered to a role and not claimed yet.")

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "priority",
            "status",
            "workplace",
            "due_at",
            "due_local",
            "assignee_kind",
            "assignee_id",
            "assignee_name",
            "team",
            "role",
            "claimable",
            "required_evidence",
            "estimated_minutes",
            "checklist_total",
            "checklist_done",
            "completion_percent",
            "blocked_reason",
            "origin_kind",
            "origin_id",
            "template_id",
            "template_version",
            "created_at",
            "completed_at",
        ]
        read_only_fields = fields

    def get_assignee_name(self, task: Task) -> str | None:
        person = task.assignee if task.assignee_id else None
        return (person.full_name or person.email) if person else None

    def get_due_local(self, task: Task) -> str | None:
        zone = _zone(task)
        return task.due_at.astimezone(zone).isoformat() if task.due_at and zone else None

    def get_completion_percent(self, task: Task) -> int | None:
        total = getattr(task, "items_total", None)
        return round(100 * (getattr(task, "items_done", 0) or 0) / total) if total else None

    def get_claimable(self, task: Task) -> bool:
        return task.assignee_kind == AssigneeKind.ROLE and task.assignee_id is None and task.is_open


class TodayTaskSerializer(TaskSerializer):
    distance_m = serializers.FloatField(read_only=True, allow_null=True, help_text="From ?lat=&lng= (metres).")
    overdue = serializers.BooleanField(read_only=True, help_text="Due before today (the workplace's local day).")

    class Meta(TaskSerializer.Meta):
        fields = [*TaskSerializer.Meta.fields, "overdue", "distance_m"]
        read_only_fields = fields


class ChecklistItemSerializer(serializers.ModelSerializer[ChecklistItem]):
    done = serializers.SerializerMethodField()
    done_by = serializers.UUIDField(source="done_by_id", read_only=True, allow_null=True)

    class Meta:
        model = ChecklistItem
        fields = ["id", "position", "text", "is_required", "done", "done_at", "done_by"]

    def get_done(self, item: ChecklistItem) -> bool:
        return item.done_at is not None


class TaskAttachmentSerializer(serializers.ModelSerializer[TaskAttachment]):
    uploaded_by = serializers.UUIDField(source="uploaded_by_id", read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = TaskAttachment
        fields = ["id", "kind", "name", "content_type", "size", "checklist_item", "uploaded_by", "created_at", "url"]

    def get_url(self, attachment: TaskAttachment) -> str:
        return f"/manage/tasks/{attachment.task_id}/attachments/{attachment.pk}/"


class CommentSerializer(serializers.ModelSerializer[TaskComment]):
    author_id = serializers.UUIDField(read_only=True, allow_null=True)
    mentioned = serializers.SerializerMethodField()

    class Meta:
        model = TaskComment
        fields = ["id", "author_id", "body", "mentioned", "created_at"]

    def get_mentioned(self, comment: TaskComment) -> list[str]:
        return [str(user.pk) for user in comment.mentioned.all()]


class TaskDetailSerializer(TaskSerializer):
    checklist = ChecklistItemSerializer(many=True, read_only=True)
    attachments = TaskAttachmentSerializer(many=True, read_only=True)
    comments = CommentSerializer(many=True, read_only=True)
    watchers = serializers.SerializerMethodField()
    evidence_missing = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Required evidence still missing."
    )
    blocked_by = serializers.CharField(
        read_only=True, allow_null=True, help_text="Why it cannot start yet (its predecessors), or null."
    )

    class Meta(TaskSerializer.Meta):
        fields = [
            *TaskSerializer.Meta.fields,
            "description",
            "completion_note",
            "check_in_at",
            "check_in_verdict",
            "checklist",
            "attachments",
            "comments",
            "watchers",
            "evidence_missing",
            "blocked_by",
        ]
        read_only_fields = fields

    def get_watchers(self, task: Task) -> list[str]:
        return [str(w.user_id) for w in task.watchers.all()]


class TaskCreateSerializer(serializers.Serializer[Any]):
    template = serializers.CharField(required=False, help_text="A template code (e.g. STORE-VISIT): copied.")
    title = serializers.CharField(required=False, max_length=200, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=TaskPriority.choices, required=False)
    workplace = serializers.CharField(required=False, help_text="Workplace code.")
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    assignee_kind = serializers.ChoiceField(choices=AssigneeKind.choices, required=False)
    assignee = serializers.CharField(required=False, help_text="A member's email or user id.")
    team = serializers.UUIDField(required=False, help_text="An entity (team) uuid.")
    role = serializers.UUIDField(required=False, help_text="A role uuid: anyone holding it at the workplace.")
    checklist = serializers.ListField(
        child=serializers.DictField(), required=False, help_text='[{"text": "...", "required": true}]'
    )
    required_evidence = serializers.ListField(child=serializers.ChoiceField(choices=Evidence.choices), required=False)
    estimated_minutes = serializers.IntegerField(required=False, min_value=1, max_value=43200)


class TaskUpdateSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(required=False, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=TaskPriority.choices, required=False)
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    workplace = serializers.CharField(required=False, allow_null=True)


class AssignSerializer(serializers.Serializer[Any]):
    assignee_kind = serializers.ChoiceField(choices=AssigneeKind.choices, required=False)
    assignee = serializers.CharField(required=False)
    team = serializers.UUIDField(required=False)
    role = serializers.UUIDField(required=False)


class StatusSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=TaskStatus.values)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="On completion: the completion note (note evidence)."
    )


class CheckInSerializer(serializers.Serializer[Any]):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)
    accuracy_m = serializers.FloatField(min_value=0, required=False, default=0)


class ChecklistAddSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=300)
    is_required = serializers.BooleanField(default=False)


class ReorderSerializer(serializers.Serializer[Any]):
    items = serializers.ListField(child=serializers.IntegerField(), help_text="Every item id, in the new order.")


class CommentCreateSerializer(serializers.Serializer[Any]):
    body = serializers.CharField(help_text='Mention with @email or @"Full Name".')


class AttachmentUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=AttachmentKind.values, default=AttachmentKind.FILE)
    checklist_item = serializers.IntegerField(required=False)


class WatcherSerializer(serializers.Serializer[Any]):
    user = serializers.CharField(help_text="A member's email or user id.")


class TemplateItemSerializer(serializers.ModelSerializer[TemplateChecklistItem]):
    class Meta:
        model = TemplateChecklistItem
        fields = ["position", "text", "is_required"]


class TaskTemplateSerializer(serializers.ModelSerializer[TaskTemplate]):
    checklist = TemplateItemSerializer(many=True, read_only=True)
    assignee_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta:
        model = TaskTemplate
        fields = [
            "id",
            "code",
            "name",
            "description",
            "priority",
            "estimated_minutes",
            "required_evidence",
            "assignee_kind",
            "assignee_id",
            "team_id",
            "role_id",
            "version",
            "is_active",
            "checklist",
            "updated_at",
        ]
        read_only_fields = fields


class TemplateWriteSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(required=False, max_length=30)
    name = serializers.CharField(required=False, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=TaskPriority.choices, required=False)
    estimated_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=43200)
    required_evidence = serializers.ListField(child=serializers.ChoiceField(choices=Evidence.choices), required=False)
    is_active = serializers.BooleanField(required=False)
    checklist = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text='[{"text": "...", "required": true}] replaces the checklist.',
    )
