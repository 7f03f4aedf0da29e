"""Serializers of the forms API (names prefixed Form… / Submission…: unique across the project's OpenAPI)."""

import json
from typing import Any

from django.urls import reverse
from rest_framework import serializers

from apps.forms.models import (
    FieldType,
    FormField,
    FormTemplate,
    FormVersion,
    Submission,
    SubmissionComment,
    SubmissionFile,
    SubmissionStatus,
    TemplateStatus,
)

# Choice sets of the API only (named enums: config/settings/base.py SPECTACULAR ENUM_NAME_OVERRIDES).
SEND_STATUSES = [("submitted", "Submitted"), ("draft", "Draft")]
REVIEW_OUTCOMES = [("approved", "Approved"), ("rejected", "Rejected")]


class FormFieldSerializer(serializers.ModelSerializer):
    type = serializers.ChoiceField(choices=FieldType.choices, read_only=True)

    class Meta:
        model = FormField
        fields = ["key", "label", "type", "section", "position", "required", "help_text", "config"]
        read_only_fields = fields


class FormVersionSerializer(serializers.ModelSerializer):
    fields = FormFieldSerializer(many=True, read_only=True)

    class Meta:
        model = FormVersion
        fields = ["id", "number", "published_at", "schema", "fields"]
        read_only_fields = fields


class FormVersionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = FormVersion
        fields = ["id", "number", "published_at"]
        read_only_fields = fields


class FormTemplateSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=TemplateStatus.choices, read_only=True)
    current_version = FormVersionSerializer(read_only=True)
    workplaces = serializers.SerializerMethodField()

    class Meta:
        model = FormTemplate
        fields = ["id", "name", "description", "status", "review_required", "workplaces", "current_version",
                  "updated_at"]  # fmt: skip
        read_only_fields = fields

    def get_workplaces(self, obj: FormTemplate) -> list[str]:
        """Workplace codes where it is used ([]: every workplace)."""
        return [w.code for w in obj.workplaces.all()]


class FormTemplateDetailSerializer(FormTemplateSerializer):
    """The builder's view (tenant admins): the working copy and the assignment."""

    roles = serializers.SerializerMethodField()

    class Meta(FormTemplateSerializer.Meta):
        fields = [*FormTemplateSerializer.Meta.fields, "roles", "draft_schema", "created_at"]
        read_only_fields = fields

    def get_roles(self, obj: FormTemplate) -> list[str]:
        return [r.code for r in obj.roles.all()]


class FormTemplateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    review_required = serializers.BooleanField(required=False, default=True)
    workplaces = serializers.ListField(child=serializers.CharField(), required=False, default=list,
                                       help_text="Workplace codes ([]: every workplace).")  # fmt: skip
    roles = serializers.ListField(child=serializers.CharField(), required=False, default=list,
                                  help_text="Role codes ([]: everyone with the reports solution).")  # fmt: skip
    schema = serializers.JSONField(required=False, help_text='The working copy: {"sections": [...]}.')


class FormTemplateUpdateSerializer(FormTemplateInputSerializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    review_required = serializers.BooleanField(required=False)
    workplaces = serializers.ListField(child=serializers.CharField(), required=False)
    roles = serializers.ListField(child=serializers.CharField(), required=False)


class FormSchemaSerializer(serializers.Serializer):
    schema = serializers.JSONField(help_text='{"sections": [{"title": …, "fields": [{"key", "label", "type", '
                                             '"required", "help_text", "config"}]}]}')  # fmt: skip


class SubmissionFileSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = SubmissionFile
        fields = ["id", "field_key", "kind", "name", "content_type", "size", "created_at", "url"]
        read_only_fields = fields

    def get_url(self, obj: SubmissionFile) -> str:
        return reverse("tenant-api:form-submission-file", args=[obj.submission_id, obj.pk])


class SubmissionCommentSerializer(serializers.ModelSerializer):
    author = serializers.UUIDField(source="author_id", allow_null=True, read_only=True)
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = SubmissionComment
        fields = ["id", "author", "author_name", "body", "created_at"]
        read_only_fields = fields

    def get_author_name(self, obj: SubmissionComment) -> str:
        return (obj.author.full_name or obj.author.email) if obj.author else ""


class SubmissionSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=SubmissionStatus.choices, read_only=True)
    template_name = serializers.CharField(source="template.name", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    person = serializers.UUIDField(source="person_id", read_only=True)
    person_name = serializers.SerializerMethodField()
    workplace = serializers.CharField(source="workplace.code", allow_null=True, read_only=True)
    task = serializers.IntegerField(source="task_id", allow_null=True, read_only=True)

    class Meta:
        model = Submission
        fields = ["id", "template", "template_name", "version", "status", "person", "person_name", "workplace",
                  "task", "client_id", "answers", "created_at", "updated_at", "submitted_at", "reviewed_at",
                  "review_note"]  # fmt: skip
        read_only_fields = fields

    def get_person_name(self, obj: Submission) -> str:
        return obj.person.full_name or obj.person.email


class SubmissionDetailSerializer(SubmissionSerializer):
    files = SubmissionFileSerializer(many=True, read_only=True)
    comments = SubmissionCommentSerializer(many=True, read_only=True)
    reviewed_by = serializers.UUIDField(source="reviewed_by_id", allow_null=True, read_only=True)

    class Meta(SubmissionSerializer.Meta):
        fields = [*SubmissionSerializer.Meta.fields, "reviewed_by", "files", "comments"]
        read_only_fields = fields


class _JsonObjectField(serializers.JSONField):
    """A JSON object, also when sent as a JSON string (a multipart form field)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError as exc:
                raise serializers.ValidationError("Not valid JSON.", code="invalid_answers") from exc
        if not isinstance(data, dict):
            raise serializers.ValidationError("Answers are an object {field key: value}.", code="invalid_answers")
        return data


class SubmissionCreateSerializer(serializers.Serializer):
    template = serializers.IntegerField()
    client_id = serializers.UUIDField(required=False, help_text="Generate one per submission: a retry is the same.")
    answers = _JsonObjectField(help_text="{field key: value}; in multipart, a JSON string.")
    workplace = serializers.CharField(required=False, allow_blank=True, default="", help_text="Workplace code.")
    task = serializers.IntegerField(required=False, allow_null=True, default=None)
    version = serializers.IntegerField(required=False, allow_null=True, default=None,
                                       help_text="The version filled in (default: the current one).")  # fmt: skip
    status = serializers.ChoiceField(choices=SEND_STATUSES, default="submitted")


class SubmissionDraftSerializer(serializers.Serializer):
    answers = _JsonObjectField(help_text="Merged into the draft's answers (null removes one).")
    workplace = serializers.CharField(required=False, allow_blank=True)


class SubmissionSubmitSerializer(serializers.Serializer):
    answers = _JsonObjectField(required=False, help_text="Last changes, merged before the full check.")


class SubmissionFileInputSerializer(serializers.Serializer):
    field_key = serializers.CharField()
    file = serializers.FileField()


class SubmissionReviewSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=REVIEW_OUTCOMES)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SubmissionCommentInputSerializer(serializers.Serializer):
    body = serializers.CharField()
