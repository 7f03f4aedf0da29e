from rest_framework import serializers

from apps.accounts.models import Membership
from apps.invitations.models import Invitation, InvitationStatus


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(
        source="effective_status", choices=InvitationStatus.choices, read_only=True,
        help_text="A pending invitation past its expiry shows as expired.",
    )  # fmt: skip
    invited_by = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id", "email", "role", "status", "expires_at", "invited_by", "resend_count", "last_resent_at",
            "accepted_at", "declined_at", "decline_reason", "cancelled_at", "cancel_reason", "expired_at",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class InvitationCreateSerializer(serializers.Serializer):
    # A plain string: the service validates it and answers with the specific `invalid_email` code.
    email = serializers.CharField(max_length=254, help_text="Who to invite.")
    role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.MEMBER)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, help_text="Why the invitation is withdrawn.")


class InvitationAcceptSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200, help_text="The token from the emailed link.")
    password = serializers.CharField(
        required=False, allow_blank=True, default="", style={"input_type": "password"}, write_only=True,
        help_text="Only when no account exists for the invited email: the new account's password.",
    )  # fmt: skip
    full_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class InvitationDeclineSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200, help_text="The token from the emailed link.")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
