from rest_framework import serializers

from apps.access.models import Role
from apps.organisation.models import Entity

from ..models import AccessRequest, AccessRequestKind


class AccessRequestSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(read_only=True, help_text="The request's id (its portal page and approval subject).")
    requester = serializers.CharField(source="requester.code", read_only=True, help_text="User code.")
    role = serializers.CharField(source="role.code", read_only=True, allow_null=True, help_text="Role code.")
    entity = serializers.CharField(source="entity.code", read_only=True, allow_null=True, help_text="Entity code.")
    solution = serializers.CharField(source="solution_code", read_only=True, help_text="Solution code, or empty.")
    decided_by = serializers.CharField(source="decided_by.code", read_only=True, allow_null=True,
                                       help_text="User code of the deciding approver.")  # fmt: skip

    class Meta:
        model = AccessRequest
        fields = [
            "id", "kind", "status", "requester", "role", "entity", "solution", "reason", "decision_reason",
            "decided_at", "decided_by", "role_assignment_id", "solution_access_id", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class AccessRequestCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AccessRequestKind.choices, help_text="`role` or `solution`.")
    role = serializers.SlugRelatedField(
        slug_field="code", queryset=Role.objects.all(), required=False, allow_null=True, default=None,
        help_text="Role code (kind `role`).",
    )  # fmt: skip
    entity = serializers.SlugRelatedField(
        slug_field="code", queryset=Entity.objects.all(), required=False, allow_null=True, default=None,
        help_text="Entity code: where the role applies (kind `role`).",
    )  # fmt: skip
    solution = serializers.SlugField(
        required=False, allow_blank=True, default="", help_text="Solution code of the plan (kind `solution`)."
    )
    reason = serializers.CharField(max_length=2000, help_text="Why the access is needed (approvers read it).")
