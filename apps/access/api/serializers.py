"""Roles, assignments and explanations as the tenant API shows and takes them."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.access.models import PermissionCondition, Role, RoleAssignment
from apps.accounts.models import Membership, User
from apps.integrations.models import ApiKey
from apps.organisation.models import Entity, path_ids

from .access import PRINCIPAL_KINDS, effective_permissions, inherited_permissions, role_ancestry


class RolePermissionSerializer(serializers.Serializer):
    permission = serializers.CharField(help_text="“app_label.codename”, e.g. organisation.view_people.")
    conditions = serializers.ListField(
        child=serializers.ChoiceField(choices=PermissionCondition.choices), required=False, default=list,
        help_text="Narrow the permission: own_records (the person's own profile), scope_only (the scope "
        "entity, not its subtree).",
    )  # fmt: skip


class RoleRefSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class InheritedPermissionSerializer(RolePermissionSerializer):
    role = RoleRefSerializer(read_only=True, help_text="The nearest ancestor role that carries the permission.")


class RoleSerializer(serializers.ModelSerializer):
    parent = RoleRefSerializer(read_only=True, allow_null=True)
    permissions = RolePermissionSerializer(many=True, read_only=True, help_text="What the role carries itself.")
    inherited_permissions = serializers.SerializerMethodField(
        help_text="What the role inherits from its ancestors, each with the role it comes from."
    )
    effective_permissions = serializers.SerializerMethodField(
        help_text="Own and inherited together; where both carry a permission, only their shared conditions apply."
    )

    class Meta:
        model = Role
        fields = [
            "uuid", "code", "name", "description", "parent", "permissions", "inherited_permissions",
            "effective_permissions", "is_system", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def _ancestry(self, role: Role) -> dict[int, Role]:
        # The list view puts every listed role's ancestors in the context (one query for a page).
        ancestry = self.context.get("ancestry") or {}
        if any(pk not in ancestry for pk in path_ids(role.path)):
            ancestry = role_ancestry([role])
        return ancestry

    @extend_schema_field(InheritedPermissionSerializer(many=True))
    def get_inherited_permissions(self, role: Role) -> list[dict[str, Any]]:
        inherited = inherited_permissions(role, self._ancestry(role))
        return InheritedPermissionSerializer(inherited, many=True).data  # type: ignore[return-value]

    @extend_schema_field(RolePermissionSerializer(many=True))
    def get_effective_permissions(self, role: Role) -> list[dict[str, Any]]:
        merged = effective_permissions(role, self._ancestry(role))
        return [{"permission": key, "conditions": sorted(merged[key])} for key in sorted(merged)]


def _taken(field: str, value: str, role: Role | None) -> bool:
    """Another role already has this name or code (case-insensitive, as the database compares names)."""
    others = Role.objects.exclude(pk=role.pk) if role is not None else Role.objects.all()
    return others.filter(**{f"{field}__iexact": value}).exists()


class RoleWriteSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=50, help_text="Identifier, e.g. “area-manager”. Fixed for system roles.")
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    parent = serializers.SlugRelatedField(
        slug_field="uuid", queryset=Role.objects.all(), required=False, allow_null=True, default=None,
        help_text="uuid of the role whose permissions this one inherits; null for a top-level role.",
    )  # fmt: skip
    permissions = RolePermissionSerializer(
        many=True, required=False, default=list,
        help_text="What the role carries itself (inherited ones need not be repeated).",
    )  # fmt: skip

    def validate_name(self, name: str) -> str:
        if _taken("name", name.strip(), self.instance):
            raise serializers.ValidationError("A role with this name already exists.", code="unique")
        return name

    def validate_code(self, code: str) -> str:
        if _taken("code", code.strip(), self.instance):
            raise serializers.ValidationError("A role with this code already exists.", code="unique")
        return code

    def validate_parent(self, parent: Role | None) -> Role | None:
        role = self.instance
        if parent is not None and role is not None and role.pk in path_ids(parent.path):
            raise serializers.ValidationError(
                f"“{parent.name}” inherits from “{role.name}”: a role cannot inherit from itself or its descendants.",
                code="cycle",
            )
        return parent


class EntityRefSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class UserRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    code = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    full_name = serializers.CharField(read_only=True)


class ApiKeyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    prefix = serializers.CharField(read_only=True)


class ScopeObjectSerializer(serializers.Serializer):
    content_type = serializers.CharField(read_only=True, help_text="“app_label.model”.")
    object_id = serializers.CharField(read_only=True)


class AssignmentSerializer(serializers.ModelSerializer):
    role = RoleRefSerializer(read_only=True)
    principal_kind = serializers.SerializerMethodField()
    user = UserRefSerializer(read_only=True, allow_null=True)
    team = EntityRefSerializer(read_only=True, allow_null=True)
    api_key = ApiKeyRefSerializer(read_only=True, allow_null=True)
    scope_entity = EntityRefSerializer(read_only=True, allow_null=True)
    scope_object = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.code", read_only=True, allow_null=True,
                                       help_text="User code.")  # fmt: skip
    ended_by = serializers.CharField(source="ended_by.code", read_only=True, allow_null=True, help_text="User code.")

    class Meta:
        model = RoleAssignment
        fields = [
            "uuid", "role", "principal_kind", "user", "team", "api_key", "scope_entity", "scope_object", "status",
            "valid_from", "valid_until", "reason", "created_at", "created_by", "materialised_at", "ended_at",
            "ended_by", "end_reason",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=PRINCIPAL_KINDS))
    def get_principal_kind(self, assignment: RoleAssignment) -> str:
        return principal_kind(assignment)

    @extend_schema_field(ScopeObjectSerializer(allow_null=True))
    def get_scope_object(self, assignment: RoleAssignment) -> dict[str, str] | None:
        content_type = assignment.scope_content_type
        if content_type is None:
            return None
        return {"content_type": f"{content_type.app_label}.{content_type.model}",
                "object_id": assignment.scope_object_id}  # fmt: skip


def principal_kind(assignment: RoleAssignment) -> str:
    return "user" if assignment.user_id else "team" if assignment.team_id else "api_key"


class AssignmentCreateSerializer(serializers.Serializer):
    role = serializers.SlugRelatedField(slug_field="uuid", queryset=Role.objects.all(), help_text="Role uuid.")
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(), required=False, allow_null=True, default=None,
        help_text="User id of an active member of this organisation.",
    )  # fmt: skip
    team = serializers.SlugRelatedField(
        slug_field="uuid", queryset=Entity.objects.all(), required=False, allow_null=True, default=None,
        help_text="uuid of the entity whose members (now and later) get the role.",
    )  # fmt: skip
    api_key = serializers.PrimaryKeyRelatedField(
        queryset=ApiKey.objects.none(), required=False, allow_null=True, default=None,
        help_text="id of an active API key of this organisation.",
    )  # fmt: skip
    scope_entity = serializers.SlugRelatedField(
        slug_field="uuid", queryset=Entity.objects.all(),
        help_text="uuid of the entity the role applies to, with everything below it.",
    )  # fmt: skip
    valid_from = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                           help_text="Empty: from now.")  # fmt: skip
    valid_until = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                            help_text="Empty: until revoked.")  # fmt: skip
    reason = serializers.CharField(max_length=255, help_text="Why this access is given (kept in the history).")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tenant = self.context.get("tenant")
        fields: Any = self.fields
        fields["user"].queryset = User.objects.filter(
            memberships__tenant=tenant, memberships__status=Membership.Status.ACTIVE
        )
        fields["api_key"].queryset = ApiKey.objects.active()

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        given = [name for name, _ in PRINCIPAL_KINDS if data.get(name) is not None]
        if len(given) != 1:
            raise serializers.ValidationError(
                {"user": "Give the role to exactly one user, team or API key."}, code="one_principal"
            )
        valid_from, valid_until = data.get("valid_from"), data.get("valid_until")
        if valid_until is not None and valid_from is not None and valid_until <= valid_from:
            raise serializers.ValidationError(
                {"valid_until": "The assignment cannot end before it starts."}, code="ends_before_start"
            )
        if valid_until is not None and valid_until <= timezone.now():
            raise serializers.ValidationError(
                {"valid_until": "This assignment would already be over."}, code="already_over"
            )
        return data


class RevokeReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, help_text="Why the access ends (kept in the history).")


class ExplanationSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="One line: why the principal may do it.")
    principal_kind = serializers.CharField(
        help_text="How the right is held: user (the role given to the person), team (to a team they belong to), "
        "api_key (to the calling key) or tenant_admin (the membership: everything in the organisation).",
    )
    assignment = serializers.UUIDField(source="assignment.uuid", allow_null=True, default=None,
                                       help_text="uuid of the assignment that gives the right.")  # fmt: skip
    role = RoleRefSerializer(allow_null=True)
    via_role = RoleRefSerializer(allow_null=True, help_text="The role of the parent chain that carries the right.")
    team = EntityRefSerializer(allow_null=True, help_text="The team through which the role is held.")
    scope = serializers.CharField(help_text="Where the right applies.")
    valid_until = serializers.DateTimeField(allow_null=True)
    conditions = serializers.ListField(child=serializers.ChoiceField(choices=PermissionCondition.choices))


class AccessPermissionSerializer(RolePermissionSerializer):
    label = serializers.CharField()
    via_role = RoleRefSerializer(help_text="The role of the parent chain that carries the permission.")


class AccessLineSerializer(serializers.Serializer):
    assignment = AssignmentSerializer()
    principal_kind = serializers.ChoiceField(choices=PRINCIPAL_KINDS)
    permissions = AccessPermissionSerializer(many=True, help_text="What the assignment gives, inherited included.")


class ExplainResponseSerializer(serializers.Serializer):
    user = UserRefSerializer(
        allow_null=True, help_text="The person explained (null when an API key asks about itself)."
    )
    api_key = ApiKeyRefSerializer(allow_null=True, help_text="The API key explained, when a key asks about itself.")
    tenant_admin = serializers.BooleanField(help_text="A tenant admin may do everything in the organisation.")
    permission = serializers.CharField(allow_null=True)
    entity = EntityRefSerializer(allow_null=True)
    allowed = serializers.BooleanField(
        allow_null=True, help_text="With a permission: may they do it (on the entity, or anywhere)? Null otherwise."
    )
    explanations = ExplanationSerializer(many=True, help_text="With a permission: every reason they may.")
    assignments = AccessLineSerializer(
        many=True, help_text="Without a permission: their current and scheduled assignments with what each gives."
    )


class ExplainQuerySerializer(serializers.Serializer):
    user = serializers.CharField(required=False, help_text="User id or code (USR-…); empty: the caller.")
    permission = serializers.CharField(required=False, help_text="“app_label.codename”; empty: everything.")
    entity = serializers.UUIDField(required=False, help_text="Entity uuid; empty: anywhere.")
