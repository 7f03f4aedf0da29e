from rest_framework import serializers

from apps.access.models import Role
from apps.accounts.models import User
from apps.catalogue.models import Solution
from apps.solutions.models import SolutionAccess


class SolutionSerializer(serializers.ModelSerializer):
    has_access = serializers.BooleanField(read_only=True, help_text="Whether the caller may use this solution.")

    class Meta:
        model = Solution
        fields = ["code", "name", "description", "position", "has_access"]
        read_only_fields = fields


class SolutionAccessSerializer(serializers.ModelSerializer):
    solution = serializers.CharField(source="solution_code", read_only=True, help_text="Solution code.")
    user = serializers.CharField(source="user.code", read_only=True, allow_null=True, help_text="User code.")
    user_email = serializers.EmailField(source="user.email", read_only=True, allow_null=True)
    role = serializers.CharField(source="role.code", read_only=True, allow_null=True, help_text="Role code.")
    granted_by = serializers.CharField(
        source="granted_by.code", read_only=True, allow_null=True, help_text="User code."
    )
    revoked_by = serializers.CharField(
        source="revoked_by.code", read_only=True, allow_null=True, help_text="User code."
    )
    active = serializers.BooleanField(source="is_active", read_only=True, help_text="False once revoked.")

    class Meta:
        model = SolutionAccess
        fields = [
            "id", "solution", "user", "user_email", "role", "reason", "active", "granted_at", "granted_by",
            "revoked_at", "revoked_by", "revoke_reason",
        ]  # fmt: skip
        read_only_fields = fields


class SolutionAccessGrantSerializer(serializers.Serializer):
    solution = serializers.SlugField(help_text="Code of a solution of the organisation's plan.")
    user = serializers.SlugRelatedField(
        slug_field="code", queryset=User.objects.all(), required=False, allow_null=True, default=None,
        help_text="User code of an active member. Give `user` or `role`, not both.",
    )  # fmt: skip
    role = serializers.SlugRelatedField(
        slug_field="code", queryset=Role.objects.all(), required=False, allow_null=True, default=None,
        help_text="Role code: everyone holding it, or a role below it, gets access.",
    )  # fmt: skip
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict) -> dict:
        if (attrs.get("user") is None) == (attrs.get("role") is None):
            raise serializers.ValidationError("Give exactly one of `user` or `role`.", code="one_grantee")
        return attrs


class RevokeQuerySerializer(serializers.Serializer):
    """The optional `reason` of a revoke, from the query string: refused (400) when it holds a NUL
    character, which PostgreSQL cannot store (a 500 before schemathesis found it)."""

    reason = serializers.CharField(required=False, default="", allow_blank=True, trim_whitespace=False)
