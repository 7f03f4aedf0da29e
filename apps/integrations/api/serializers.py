from rest_framework import serializers

from apps.integrations.models import ApiKey
from apps.integrations.scopes import all_scopes


class ApiKeySerializer(serializers.ModelSerializer):
    # A plain string (not an enum) so the schema's "status" enums of other resources keep their names.
    status = serializers.CharField(read_only=True, help_text="active, expired or revoked.")
    created_by = serializers.CharField(
        source="created_by.code", read_only=True, allow_null=True, help_text="User code."
    )
    revoked_by = serializers.CharField(
        source="revoked_by.code", read_only=True, allow_null=True, help_text="User code."
    )
    scopes = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ApiKey
        fields = [
            "id", "name", "prefix", "scopes", "status", "expires_at", "last_used_at", "last_used_ip",
            "created_at", "created_by", "revoked_at", "revoked_by",
        ]  # fmt: skip
        read_only_fields = fields


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=all_scopes()), allow_empty=False,
        help_text=f"One or more of: {', '.join(all_scopes())}.",
    )  # fmt: skip
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="The full key. Shown only in this response: store it now.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields
