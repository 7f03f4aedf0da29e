from typing import Any

from rest_framework import serializers

from apps.inspections.models import Answer, Evidence, Inspection, InspectionItem, InspectionTemplate


class ItemSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="pass_fail, score (0..max_score) or yes_no_na.")
    section = serializers.CharField(source="section.title", read_only=True)

    class Meta:
        model = InspectionItem
        fields = ["id", "position", "section", "question", "kind", "max_score", "fail_below", "weight",
                  "is_required", "opens_task"]  # fmt: skip


class InspectionTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = InspectionTemplate
        fields = ["id", "code", "version", "name", "description", "pass_mark", "is_current"]


class TemplateDetailSerializer(InspectionTemplateSerializer):
    items = ItemSerializer(many=True, read_only=True)

    class Meta(InspectionTemplateSerializer.Meta):
        fields = [*InspectionTemplateSerializer.Meta.fields, "items"]


class InspectionSerializer(serializers.ModelSerializer):
    template = serializers.CharField(source="template.code", read_only=True)
    template_version = serializers.IntegerField(source="template.version", read_only=True)
    template_name = serializers.CharField(source="template.name", read_only=True)
    workplace = serializers.CharField(source="workplace.code", read_only=True)
    status = serializers.CharField(read_only=True, help_text="due, in_progress, submitted or cancelled.")
    assignee = serializers.UUIDField(source="assignee_id", read_only=True, allow_null=True)
    role = serializers.UUIDField(source="role.uuid", read_only=True, allow_null=True,
                                 help_text="Offered to anyone holding this role at the site (the first to claim "
                                           "takes it; `assignee` is then who did).")  # fmt: skip
    role_name = serializers.CharField(source="role.name", read_only=True, allow_null=True)

    class Meta:
        model = Inspection
        fields = ["id", "template", "template_version", "template_name", "workplace", "status", "due_at",
                  "assignee", "role", "role_name", "started_at", "submitted_at", "score", "passed", "task"]  # fmt: skip


class AnswerSerializer(serializers.ModelSerializer):
    question = serializers.CharField(source="item.question", read_only=True)
    corrective_task_status = serializers.SerializerMethodField()

    class Meta:
        model = Answer
        fields = ["id", "item", "question", "value", "earned", "possible", "failed", "note", "corrective_task",
                  "corrective_task_status"]  # fmt: skip

    def get_corrective_task_status(self, answer: Answer) -> str | None:
        return answer.corrective_task.status if answer.corrective_task_id and answer.corrective_task else None


class EvidenceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "item", "name", "content_type", "size", "url", "created_at"]

    def get_url(self, evidence: Evidence) -> str:
        return evidence.file.url


class ResultSerializer(InspectionSerializer):
    pass_mark = serializers.IntegerField(source="template.pass_mark", read_only=True)
    answers = serializers.SerializerMethodField()
    evidence = EvidenceSerializer(many=True, read_only=True)
    signature_url = serializers.SerializerMethodField()

    class Meta(InspectionSerializer.Meta):
        fields = [*InspectionSerializer.Meta.fields, "pass_mark", "notes", "answers", "evidence", "signature_url"]

    def get_answers(self, inspection: Inspection) -> list[dict[str, Any]]:
        rows = inspection.answers.select_related("item", "corrective_task").order_by("item__position")
        return AnswerSerializer(rows, many=True).data  # type: ignore[return-value]

    def get_signature_url(self, inspection: Inspection) -> str | None:
        return inspection.signature.url if inspection.signature else None


class StartSerializer(serializers.Serializer):
    inspection = serializers.IntegerField(required=False, help_text="A due inspection's id.")
    template = serializers.CharField(required=False, help_text="Or: a template code (current version) ...")
    workplace = serializers.CharField(required=False, help_text="... and a site's code, for an unscheduled one.")


class AnswerInSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    value = serializers.CharField(allow_blank=True, help_text="pass/fail, yes/no/na, or the score 0..max_score.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SubmitSerializer(serializers.Serializer):
    client_id = serializers.UUIDField(help_text="Made by the app; a retry with the same id returns the result.")
    answers = serializers.JSONField(help_text="A list of {item, value, note} (a JSON string in multipart).")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    signature = serializers.FileField(required=False, help_text="A PNG or JPEG image (multipart), up to 1 MB.")
    signature_data_url = serializers.CharField(required=False, allow_blank=True, default="",
                                               help_text="Or a drawn signature: data:image/png;base64,...")  # fmt: skip

    def validate_answers(self, value: Any) -> list[dict[str, Any]]:
        import json

        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise serializers.ValidationError("answers is a JSON list.") from None
        rows = AnswerInSerializer(data=value, many=True)
        rows.is_valid(raise_exception=True)
        return list(rows.validated_data)


class EvidenceInSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="JPEG, PNG, WebP, HEIC or PDF, up to 10 MB.")
    item = serializers.IntegerField(required=False, help_text="The item it shows (optional).")


class TrendWeekSerializer(serializers.Serializer):
    week = serializers.DateTimeField()
    average = serializers.DecimalField(max_digits=5, decimal_places=2)
    count = serializers.IntegerField()
    failed = serializers.IntegerField()
    pass_rate = serializers.DecimalField(max_digits=4, decimal_places=1, help_text="Percentage that passed.")


class TrendPointSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The inspection.")
    occurrence_key = serializers.CharField(help_text="The schedule's occurrence (site time); empty when ad hoc.")
    due_at = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField()
    score = serializers.DecimalField(max_digits=5, decimal_places=2)
    passed = serializers.BooleanField()


class TrendSiteSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField()
    passed = serializers.IntegerField()
    pass_rate = serializers.DecimalField(max_digits=4, decimal_places=1, help_text="Percentage that passed.")
    average = serializers.DecimalField(max_digits=5, decimal_places=2)
    points = TrendPointSerializer(many=True, help_text="Each inspection's score, oldest first (the last 26).")


class FailedItemSerializer(serializers.Serializer):
    question = serializers.CharField(source="item__question")
    failures = serializers.IntegerField()


class TrendsSerializer(serializers.Serializer):
    template = serializers.CharField()
    workplace = serializers.CharField(allow_blank=True)
    weeks = TrendWeekSerializer(many=True)
    sites = TrendSiteSerializer(many=True, help_text="Per site, lowest pass rate first.")
    most_failed = FailedItemSerializer(many=True)


class InspectionRefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
