from typing import Any

from rest_framework import serializers

from apps.timesheets.models import TimeEntry


class TaskBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    workplace = serializers.SerializerMethodField()

    def get_workplace(self, task: Any) -> str | None:
        return task.workplace.code if task.workplace_id else None


class TimeEntrySerializer(serializers.ModelSerializer):
    task = TaskBriefSerializer(read_only=True)
    user = serializers.UUIDField(source="user_id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    minutes = serializers.IntegerField(read_only=True, help_text="Whole minutes (a running timer: up to now).")
    running = serializers.BooleanField(source="is_running", read_only=True)

    class Meta:
        model = TimeEntry
        fields = ("id", "task", "user", "email", "started_at", "ended_at", "minutes", "running", "source", "note",
                  "created_at", "updated_at")  # fmt: skip
        read_only_fields = fields


class TimerStatusSerializer(serializers.Serializer):
    running = serializers.BooleanField()
    entry = TimeEntrySerializer(allow_null=True)


class TimerStartSerializer(serializers.Serializer):
    task = serializers.IntegerField(min_value=1, help_text="The task's id.")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class TimerStopSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, allow_null=True, default=None)


class EntryCreateSerializer(serializers.Serializer):
    task = serializers.IntegerField(min_value=1)
    started_at = serializers.DateTimeField(help_text="With its UTC offset.")
    ended_at = serializers.DateTimeField(help_text="With its UTC offset; after started_at, at most 24 h later.")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    user = serializers.UUIDField(required=False, help_text="Whose time (admins and API keys); default: yours.")


class EntryUpdateSerializer(serializers.Serializer):
    task = serializers.IntegerField(min_value=1, required=False)
    started_at = serializers.DateTimeField(required=False)
    ended_at = serializers.DateTimeField(required=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class TotalSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Task id, person id, workplace code or the period's first local day.")
    label = serializers.CharField()
    minutes = serializers.IntegerField()
    entries = serializers.IntegerField()


class TotalsSerializer(serializers.Serializer):
    by = serializers.CharField()
    minutes = serializers.IntegerField()
    rows = TotalSerializer(many=True)


class TimesheetRefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
