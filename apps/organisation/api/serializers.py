from typing import Any

from rest_framework import serializers

from apps.organisation.models import (
    Certification,
    Entity,
    EntityMembership,
    EntityStatus,
    EntityType,
    MemberProfile,
    MemberStatus,
    Skill,
)

# --- Entity types -------------------------------------------------------------------------------


class EntityTypeSerializer(serializers.ModelSerializer):
    entity_count = serializers.IntegerField(read_only=True, help_text="Entities of this type.")

    class Meta:
        model = EntityType
        fields = ["code", "name", "description", "position", "is_system", "entity_count"]
        read_only_fields = ["is_system", "entity_count"]
        # Uniqueness is checked by the service (a coded field error), not by DRF's validators.
        extra_kwargs = {"code": {"validators": []}, "position": {"required": False}}


# --- Entities -----------------------------------------------------------------------------------


class EntitySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True, help_text="The entity's public id.")
    type = serializers.CharField(source="entity_type.code", read_only=True, help_text="Entity type code.")
    type_name = serializers.CharField(source="entity_type.name", read_only=True)
    status = serializers.ChoiceField(choices=EntityStatus.choices, read_only=True)
    parent = serializers.UUIDField(source="parent.uuid", read_only=True, allow_null=True, default=None)
    depth = serializers.IntegerField(read_only=True, help_text="0 for the root, 1 for its children, ...")
    manager = serializers.UUIDField(source="manager.uuid", read_only=True, allow_null=True, default=None)
    manager_name = serializers.SerializerMethodField()
    member_count = serializers.IntegerField(read_only=True, help_text="People who are direct members.")

    class Meta:
        model = Entity
        fields = [
            "id", "code", "name", "description", "type", "type_name", "status", "parent", "depth", "manager",
            "manager_name", "external_id", "member_count", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_manager_name(self, entity: Entity) -> str | None:
        manager = entity.manager
        return (manager.user.full_name or manager.user.email) if manager is not None else None


class EntityAncestorSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    type = serializers.CharField(source="entity_type.code", read_only=True)

    class Meta:
        model = Entity
        fields = ["id", "code", "name", "type"]
        read_only_fields = fields


def _entity_field(**kwargs: Any) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="uuid", queryset=Entity.objects.all(), **kwargs)


def _profile_field(**kwargs: Any) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="uuid", queryset=MemberProfile.objects.all(), **kwargs)


class EntityWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    type = serializers.SlugRelatedField(
        slug_field="code", queryset=EntityType.objects.all(), help_text="Entity type code, e.g. “team”."
    )
    # Not required here: the service refuses a missing parent with the code `orphan`.
    parent = _entity_field(required=False, allow_null=True, default=None,
                           help_text="Id of the parent entity (every entity except the root has one).")  # fmt: skip
    status = serializers.ChoiceField(choices=EntityStatus.choices, required=False, default=EntityStatus.ACTIVE)
    manager = _profile_field(required=False, allow_null=True, default=None, help_text="Person id.")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    external_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class EntityUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    type = serializers.SlugRelatedField(slug_field="code", queryset=EntityType.objects.all(), required=False)
    status = serializers.ChoiceField(choices=EntityStatus.choices, required=False)
    manager = _profile_field(required=False, allow_null=True, help_text="Person id, or null for none.")
    description = serializers.CharField(required=False, allow_blank=True)
    external_id = serializers.CharField(required=False, allow_blank=True, max_length=100)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=100,
                                   help_text="Kept with a status change.")  # fmt: skip


class EntityMoveSerializer(serializers.Serializer):
    parent = _entity_field(help_text="Id of the new parent entity.")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


# --- People -------------------------------------------------------------------------------------


class PersonUserSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    email = serializers.EmailField(read_only=True)
    full_name = serializers.CharField(read_only=True)


class PersonMembershipSerializer(serializers.ModelSerializer):
    entity = serializers.UUIDField(source="entity.uuid", read_only=True)
    entity_name = serializers.CharField(source="entity.name", read_only=True)

    class Meta:
        model = EntityMembership
        fields = ["entity", "entity_name", "is_primary", "title", "joined_at"]
        read_only_fields = fields


class SkillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["name", "level"]
        read_only_fields = fields


class CertificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Certification
        fields = ["name", "issuer", "issued_on", "expires_on"]
        read_only_fields = fields


class PersonSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True, help_text="The person's public id.")
    user = PersonUserSerializer(read_only=True)
    status = serializers.ChoiceField(choices=MemberStatus.choices, read_only=True)
    manager = serializers.UUIDField(source="manager.uuid", read_only=True, allow_null=True, default=None)
    manager_name = serializers.SerializerMethodField()
    primary_entity = serializers.UUIDField(source="primary_entity_uuid", read_only=True, allow_null=True)
    primary_entity_name = serializers.CharField(read_only=True, allow_null=True)
    memberships = PersonMembershipSerializer(source="entity_memberships", many=True, read_only=True)
    skills = SkillSerializer(many=True, read_only=True)
    certifications = CertificationSerializer(many=True, read_only=True)
    preferences = serializers.DictField(read_only=True)

    class Meta:
        model = MemberProfile
        fields = [
            "id", "code", "user", "employee_code", "external_id", "job_title", "status", "manager", "manager_name",
            "primary_entity", "primary_entity_name", "memberships", "skills", "certifications", "preferences",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_manager_name(self, profile: MemberProfile) -> str | None:
        manager = profile.manager
        return (manager.user.full_name or manager.user.email) if manager is not None else None


class PersonCreateSerializer(serializers.Serializer):
    user = serializers.UUIDField(required=False, help_text="Id of an active member of this organisation.")
    email = serializers.EmailField(required=False, help_text="…or the email of an active member.")
    entity = _entity_field(
        required=False, allow_null=True, default=None,
        help_text="Primary entity to place the person in (needed unless you are a tenant admin).",
    )  # fmt: skip
    job_title = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)
    employee_code = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    external_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    status = serializers.ChoiceField(choices=MemberStatus.choices, required=False, default=MemberStatus.ACTIVE)
    manager = _profile_field(required=False, allow_null=True, default=None, help_text="Person id.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("user")) == bool(attrs.get("email")):
            raise serializers.ValidationError(
                {"user": serializers.ErrorDetail("Give either `user` or `email`.", code="user_or_email")}
            )
        return attrs


class PersonUpdateSerializer(serializers.Serializer):
    job_title = serializers.CharField(required=False, allow_blank=True, max_length=150)
    employee_code = serializers.CharField(required=False, allow_blank=True, max_length=50)
    external_id = serializers.CharField(required=False, allow_blank=True, max_length=100)
    status = serializers.ChoiceField(choices=MemberStatus.choices, required=False)
    manager = _profile_field(required=False, allow_null=True, help_text="Person id, or null for none.")
    preferences = serializers.DictField(
        required=False, help_text="Merged into the current preferences (language, time_zone, notifications); "
        "a key set to null is cleared."
    )  # fmt: skip
    entities = serializers.ListField(
        child=_entity_field(), required=False,
        help_text="The complete list of entity ids the person belongs to (added and removed to match).",
    )  # fmt: skip
    primary_entity = _entity_field(required=False, help_text="One of the person's entities.")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class TimelineEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField(help_text="created, renamed, moved, status, manager, joined, left, primary, ...")
    summary = serializers.CharField()
    actor = serializers.CharField(help_text="Who made the change (“system” when no person did).")
    reason = serializers.CharField()
    changes = serializers.DictField()
