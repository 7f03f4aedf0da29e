from typing import Any

from rest_framework import serializers

from apps.approvals.kinds import kind_label
from apps.approvals.models import ApprovalEvent, ApprovalRequest, Delegation


class ApprovalPersonSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="pk", read_only=True)
    email = serializers.EmailField(read_only=True)
    full_name = serializers.CharField(read_only=True)


class ApprovalRequestSerializer(serializers.ModelSerializer):
    requester = ApprovalPersonSerializer(read_only=True)
    kind_label = serializers.SerializerMethodField()
    status = serializers.CharField(read_only=True, help_text="pending, approved, rejected, returned or cancelled.")

    class Meta:
        model = ApprovalRequest
        fields = ["uuid", "kind", "kind_label", "summary", "status", "subject_model", "subject_id", "fields",
                  "requester", "round", "current_position", "created_at", "decided_at"]  # fmt: skip
        read_only_fields = fields

    def get_kind_label(self, request: ApprovalRequest) -> str:
        return kind_label(request.kind)


class ApprovalEventSerializer(serializers.ModelSerializer):
    actor = ApprovalPersonSerializer(read_only=True, allow_null=True)
    step = serializers.SerializerMethodField()
    action = serializers.CharField(read_only=True, help_text="submitted, routed, approved, rejected, returned, "
                                   "resubmitted, cancelled, commented, reminded, escalated, auto_approved, "
                                   "auto_rejected or skipped.")  # fmt: skip

    class Meta:
        model = ApprovalEvent
        fields = ["action", "actor", "step", "comment", "detail", "created_at"]
        read_only_fields = fields

    def get_step(self, event: ApprovalEvent) -> dict[str, Any] | None:
        return {"position": event.step.position, "name": event.step.name} if event.step else None


class ApprovalRequestDetailSerializer(ApprovalRequestSerializer):
    trail = serializers.SerializerMethodField()
    can_act = serializers.SerializerMethodField()

    class Meta(ApprovalRequestSerializer.Meta):
        fields = [*ApprovalRequestSerializer.Meta.fields, "can_act", "trail"]
        read_only_fields = fields

    def get_trail(self, request: ApprovalRequest) -> list[dict[str, Any]]:
        return ApprovalEventSerializer(self.context["trail"], many=True).data  # type: ignore[return-value]

    def get_can_act(self, request: ApprovalRequest) -> bool:
        return bool(self.context.get("can_act"))


class ApprovalCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class ApprovalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, help_text="Required: why.")


class ApprovalOptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class ApprovalBodySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5000)


class BulkApproveSerializer(serializers.Serializer):
    uuids = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=200)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class BulkApproveResponseSerializer(serializers.Serializer):
    approved = serializers.ListField(child=serializers.UUIDField())
    errors = serializers.DictField(child=serializers.CharField(), help_text="uuid → why it was not approved.")


class DelegationSerializer(serializers.ModelSerializer):
    delegator = ApprovalPersonSerializer(read_only=True)
    delegate = ApprovalPersonSerializer(read_only=True)

    class Meta:
        model = Delegation
        fields = ["uuid", "delegator", "delegate", "kinds", "starts_on", "ends_on", "reason", "created_at",
                  "revoked_at"]  # fmt: skip
        read_only_fields = fields


class DelegationCreateSerializer(serializers.Serializer):
    delegate = serializers.UUIDField(help_text="The user id of the person who takes your approvals.")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    kinds = serializers.ListField(child=serializers.CharField(), required=False, default=list,
                                  help_text="Kinds of request; empty: every kind.")  # fmt: skip
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
