from rest_framework import serializers

from apps.accounts.models import Membership, User
from apps.tenancy.models import Tenant


class MemberUserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "code", "email", "full_name"]
        read_only_fields = fields


class MemberSerializer(serializers.ModelSerializer):
    user = MemberUserSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id", "user", "role", "status", "joined_via", "suspended_at", "suspension_reason",
            "removed_at", "removal_reason", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class MemberRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices, help_text="The new tenant role.")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, help_text="Why; kept on the membership and in the audit log.")


class MeUserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "code", "email", "full_name", "role_title", "time_zone", "email_verified_at", "last_login"]
        read_only_fields = fields


class MeMembershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["id", "role", "status", "joined_via", "created_at"]
        read_only_fields = fields


class MeTenantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = ["id", "name", "slug"]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    user = MeUserSerializer(read_only=True)
    membership = MeMembershipSerializer(read_only=True)
    tenant = MeTenantSerializer(read_only=True)
