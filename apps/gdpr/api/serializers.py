from typing import Any

from rest_framework import serializers

from ..models import ConsentPurpose, ConsentRecord, ConsentSource, GdprRequest


class ConsentSerializer(serializers.ModelSerializer[ConsentRecord]):
    class Meta:
        model = ConsentRecord
        fields = ["purpose", "granted", "granted_at", "withdrawn_at", "source", "created_at"]
        read_only_fields = fields


class ConsentChangeSerializer(serializers.Serializer[Any]):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    granted = serializers.BooleanField()
    evidence = serializers.JSONField(required=False, default=dict, help_text="What was shown and accepted.")


class ExportRequestSerializer(serializers.ModelSerializer[GdprRequest]):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = GdprRequest
        fields = ["number", "kind", "status", "progress", "progress_message", "requested_at", "due_at",
                  "completed_at", "result_checksum", "result_expires_at", "download_url"]  # fmt: skip
        read_only_fields = fields

    def get_download_url(self, obj: GdprRequest) -> str | None:
        from django.urls import reverse

        from ..views import export_link_token

        if not obj.download_ready:
            return None
        return reverse("privacy:download", args=[export_link_token(obj)])


class ErasureRequestSerializer(serializers.ModelSerializer[GdprRequest]):
    class Meta:
        model = GdprRequest
        fields = ["number", "kind", "status", "source", "requested_at", "due_at", "completed_at", "rejection_reason"]
        read_only_fields = fields


class ErasureAskSerializer(serializers.Serializer[Any]):
    confirm = serializers.BooleanField(help_text="Must be true: the person confirms they want all their data erased.")
    password = serializers.CharField(
        required=False, allow_blank=True, default="", style={"input_type": "password"}, write_only=True,
        help_text="The person's current password (required when they have one).",
    )  # fmt: skip
    email = serializers.EmailField(
        required=False, help_text="Optional; when given it must be the signed-in person's own address."
    )
    subject = serializers.CharField(
        required=False, help_text="Optional; when given it must be the signed-in person's own user id."
    )


__all__ = [
    "ConsentChangeSerializer",
    "ConsentSerializer",
    "ConsentSource",
    "ErasureAskSerializer",
    "ErasureRequestSerializer",
    "ExportRequestSerializer",
]
