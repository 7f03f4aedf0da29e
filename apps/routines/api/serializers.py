"""Serializers of the routines API: people by user id, teams by entity uuid, roles and templates by code."""

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from apps.access.models import Role
from apps.accounts.models import Membership
from apps.organisation.models import Entity
from apps.routines.models import MAX_HORIZON_DAYS, Routine, RoutineStatus, RoutineTask
from apps.routines.services import MemberSpec
from apps.tasks.models import AssigneeKind, TaskTemplate
from apps.tenancy.context import connection_tenant
from apps.workplaces.models import Workplace


class RoutineMemberSerializer(serializers.ModelSerializer):
    template = serializers.SlugRelatedField(slug_field="code", read_only=True)
    assignee = serializers.UUIDField(source="assignee_id", read_only=True, allow_null=True)
    team = serializers.UUIDField(source="team.uuid", read_only=True, allow_null=True, default=None)
    role = serializers.CharField(source="role.code", read_only=True, allow_null=True, default=None)

    class Meta:
        model = RoutineTask
        fields = ["id", "position", "template", "title", "checklist", "offset_minutes", "due_minutes",
                  "assignee_kind", "assignee", "team", "role"]  # fmt: skip


class RoutineSerializer(serializers.ModelSerializer):
    workplace = serializers.SlugRelatedField(slug_field="code", read_only=True)
    time_zone = serializers.CharField(source="workplace.time_zone", read_only=True)
    members = RoutineMemberSerializer(many=True, read_only=True)
    links = serializers.SerializerMethodField()

    class Meta:
        model = Routine
        fields = ["id", "name", "workplace", "time_zone", "rrule", "start_date", "start_time", "horizon_days",
                  "status", "generated_until", "split_from", "members", "links", "created_at"]  # fmt: skip

    def get_links(self, routine: Routine) -> list[list[int]]:
        position = {m.pk: m.position for m in routine.members.all()}
        return [[position[link.predecessor_id], position[link.successor_id]] for link in routine.links.all()]


class MemberWriteSerializer(serializers.Serializer):
    template = serializers.SlugRelatedField(slug_field="code", queryset=TaskTemplate.objects.all(), required=False,
                                            allow_null=True, help_text="A task template's code.")  # fmt: skip
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    checklist = serializers.ListField(
        child=serializers.ListField(min_length=2, max_length=2),
        required=False,
        default=list,
        help_text='[["text", required], ...] (without a template).',
    )
    offset_minutes = serializers.IntegerField(default=0, help_text="Minutes after the occurrence it starts.")
    due_minutes = serializers.IntegerField(default=60, min_value=0, help_text="Minutes after its start it is due.")
    assignee_kind = serializers.ChoiceField(choices=AssigneeKind.choices, default="", allow_blank=True)
    assignee = serializers.UUIDField(required=False, allow_null=True, help_text="A member's user id.")
    team = serializers.UUIDField(required=False, allow_null=True, help_text="A team's (entity's) uuid.")
    role = serializers.SlugRelatedField(slug_field="code", queryset=Role.objects.all(), required=False, allow_null=True)

    def validate_assignee(self, value: Any) -> Any:
        if value is None:
            return None
        member = Membership.objects.filter(tenant=connection_tenant(), user_id=value, status=Membership.Status.ACTIVE)
        if not member.exists():
            raise serializers.ValidationError("Not an active member of this organisation.", code="not_a_member")
        return get_user_model().objects.get(pk=value)

    def validate_team(self, value: Any) -> Any:
        if value is None:
            return None
        team = Entity.objects.filter(uuid=value).first()
        if team is None:
            raise serializers.ValidationError("No such team.", code="unknown_team")
        return team

    def to_spec(self) -> MemberSpec:
        return MemberSpec(**self.validated_data)


class RoutineWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    workplace = serializers.SlugRelatedField(slug_field="code", queryset=Workplace.objects.all())
    rrule = serializers.CharField(max_length=500, help_text="One RRULE with COUNT or UNTIL, e.g. "
                                  "FREQ=WEEKLY;BYDAY=MO;COUNT=52.")  # fmt: skip
    start_date = serializers.DateField(help_text="The first occurrence's local date.")
    start_time = serializers.TimeField(help_text="Local time of day in the workplace's time zone.")
    horizon_days = serializers.IntegerField(default=14, min_value=1, max_value=MAX_HORIZON_DAYS)
    members = MemberWriteSerializer(many=True)
    links = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField(), min_length=2,
                                  max_length=2), default=list,
                                  help_text="[[predecessor, successor], ...] member positions (1-based).")  # fmt: skip


def member_specs(data: list[dict[str, Any]]) -> list[MemberSpec]:
    return [MemberSpec(**item) for item in data]


class RoutineUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    horizon_days = serializers.IntegerField(required=False, min_value=1, max_value=MAX_HORIZON_DAYS)


class PauseSerializer(serializers.Serializer):
    paused = serializers.BooleanField(help_text="true pauses, false resumes.")


class OccurrenceEditSerializer(serializers.Serializer):
    occurrence = serializers.CharField(help_text="The occurrence's local time as the preview names it, "
                                       "e.g. 2026-12-07T09:00.")  # fmt: skip
    skip = serializers.BooleanField(default=False)
    local_time = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                           help_text="Move it to this local date and time (no offset).")  # fmt: skip
    assignee = serializers.UUIDField(required=False, allow_null=True, default=None)

    def validate_local_time(self, value: Any) -> Any:
        return value.replace(tzinfo=None) if value is not None else None

    validate_assignee = MemberWriteSerializer.validate_assignee


class SplitSerializer(serializers.Serializer):
    occurrence = serializers.CharField(help_text="The first occurrence of the new routine, e.g. 2026-12-07T09:00.")
    name = serializers.CharField(max_length=200, required=False)
    start_time = serializers.TimeField(required=False, help_text="A new local time of day from then on.")
    horizon_days = serializers.IntegerField(required=False, min_value=1, max_value=MAX_HORIZON_DAYS)
    members = MemberWriteSerializer(many=True, required=False)
    links = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField(), min_length=2,
                                  max_length=2), required=False)  # fmt: skip


class PreviewSerializer(serializers.Serializer):
    key = serializers.CharField()
    at = serializers.DateTimeField()
    local = serializers.CharField()
    state = serializers.ChoiceField(choices=["planned", "generated", "skipped"])
    moved = serializers.BooleanField()
    occurrence_id = serializers.IntegerField(allow_null=True)


class OccurrenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    at = serializers.DateTimeField()
    status = serializers.CharField()
    tasks = serializers.SerializerMethodField()

    def get_tasks(self, occurrence: Any) -> list[int]:
        return list(occurrence.tasks.values_list("task_id", flat=True))


STATUSES = RoutineStatus.values
