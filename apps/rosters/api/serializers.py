"""Tenant API shapes of rosters. Workplaces are named by code, people by id, shift types by code.
Statuses are plain strings (documented), not enums: drf-spectacular names enums by field name and
`status` would collide with other apps' components."""

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from apps.rosters.models import Roster, RosterRules, Shift, ShiftType
from apps.workplaces.models import Workplace


class ShiftTypeSerializer(serializers.ModelSerializer[ShiftType]):
    overnight = serializers.BooleanField(read_only=True, help_text="Ends the next day (end at or before start).")

    class Meta:
        model = ShiftType
        fields = [
            "id",
            "code",
            "name",
            "start_time",
            "end_time",
            "overnight",
            "unpaid_break_minutes",
            "paid_break_minutes",
            "late_grace_minutes",
            "colour",
            "is_active",
        ]
        read_only_fields = ["id", "overnight"]


class ShiftPersonSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    full_name = serializers.CharField()


class ShiftWorkplaceSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    time_zone = serializers.CharField()


class ShiftFlagSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="min_rest, max_weekly_hours or on_leave.")
    message = serializers.CharField()


class ShiftSerializer(serializers.ModelSerializer[Shift]):
    user = ShiftPersonSerializer(read_only=True)
    workplace = ShiftWorkplaceSerializer(read_only=True)
    shift_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    status = serializers.CharField(read_only=True, help_text="draft, published or cancelled.")
    flags = ShiftFlagSerializer(many=True, read_only=True)
    scheduled_minutes = serializers.IntegerField(read_only=True, help_text="Length minus the unpaid break.")

    class Meta:
        model = Shift
        fields = [
            "id",
            "roster",
            "user",
            "workplace",
            "shift_type",
            "local_date",
            "starts_at",
            "ends_at",
            "unpaid_break_minutes",
            "paid_break_minutes",
            "late_grace_minutes",
            "scheduled_minutes",
            "status",
            "flags",
            "notes",
        ]


class RosterSerializer(serializers.ModelSerializer[Roster]):
    workplace = ShiftWorkplaceSerializer(read_only=True)
    status = serializers.CharField(read_only=True, help_text="draft or published.")
    shift_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = Roster
        fields = [
            "id",
            "name",
            "workplace",
            "start_date",
            "end_date",
            "status",
            "published_at",
            "rules_snapshot",
            "shift_count",
            "created_at",
        ]


class RosterWriteSerializer(serializers.Serializer[Any]):
    workplace = serializers.SlugRelatedField(
        slug_field="code", queryset=Workplace.objects.all(), help_text="The site's code, e.g. SYD-CBD."
    )
    name = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    start_date = serializers.DateField()
    end_date = serializers.DateField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end_date"] < attrs["start_date"]:
            raise serializers.ValidationError({"end_date": "The period ends before it starts."}, code="period")
        if attrs["end_date"] - attrs["start_date"] > datetime.timedelta(days=366):
            raise serializers.ValidationError({"end_date": "A roster covers at most a year."}, code="period")
        return attrs


class UsersField(serializers.ListField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.UUIDField(), min_length=1, max_length=500, **kwargs)


class ShiftCreateSerializer(serializers.Serializer[Any]):
    """One of three shapes: one shift (`user`, `day`, a `shift_type` or `start_time`/`end_time`); a bulk
    assignment (`users`, `days`, `shift_type`); or a repeating pattern (`users`, `shift_type`, `rrule`)."""

    user = serializers.UUIDField(required=False)
    users = UsersField(required=False)
    day = serializers.DateField(required=False)
    days = serializers.ListField(child=serializers.DateField(), required=False, max_length=400)
    shift_type = serializers.SlugRelatedField(
        slug_field="code", queryset=ShiftType.objects.filter(is_active=True), required=False
    )
    start_time = serializers.TimeField(required=False)
    end_time = serializers.TimeField(required=False)
    unpaid_break_minutes = serializers.IntegerField(required=False, min_value=0, max_value=1440)
    rrule = serializers.CharField(
        required=False, max_length=500, help_text="RFC 5545, e.g. FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20270331."
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "rrule" in attrs or "days" in attrs:
            if not attrs.get("users") or not attrs.get("shift_type"):
                raise serializers.ValidationError(
                    "A pattern or bulk assignment needs `users` and `shift_type`.", code="required"
                )
        elif not attrs.get("user") or not attrs.get("day"):
            raise serializers.ValidationError(
                "One shift needs `user` and `day` (or send `users` with `days` or `rrule`).", code="required"
            )
        return attrs


class ShiftUpdateSerializer(serializers.Serializer[Any]):
    user = serializers.UUIDField(required=False)
    day = serializers.DateField(required=False)
    shift_type = serializers.SlugRelatedField(slug_field="code", queryset=ShiftType.objects.all(), required=False)
    start_time = serializers.TimeField(required=False)
    end_time = serializers.TimeField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=500)


class PublishResultSerializer(serializers.Serializer[Any]):
    published = serializers.IntegerField(help_text="Shifts published now (0: nothing new).")
    roster = RosterSerializer()


class CalendarFeedSerializer(serializers.Serializer[Any]):
    url = serializers.URLField(help_text="Subscribe to this address in a calendar app; keep it secret.")
    rotated_at = serializers.DateTimeField(allow_null=True)


class RosterRulesSerializer(serializers.ModelSerializer[RosterRules]):
    class Meta:
        model = RosterRules
        fields = ["min_rest_hours", "min_rest_action", "max_weekly_hours", "max_weekly_action"]


def users_by_id(ids: list[Any]) -> dict[str, Any]:
    return {str(u.pk): u for u in get_user_model().objects.filter(pk__in=ids)}
