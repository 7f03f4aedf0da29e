"""Tenant API shapes of attendance. People are named by id and email, workplaces by code."""

from typing import Any

from rest_framework import serializers

from apps.attendance.models import AttendanceCorrection, AttendanceRecord, OvertimeRecord, OvertimeRule
from apps.workplaces.models import Workplace


class AttendancePersonSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    full_name = serializers.CharField()


class RecordSerializer(serializers.ModelSerializer[AttendanceRecord]):
    user = AttendancePersonSerializer(read_only=True)
    workplace = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = AttendanceRecord
        fields = ["id", "user", "date", "workplace", "status", "shift_ids", "scheduled_minutes", "worked_minutes",
                  "unpaid_break_minutes", "late_minutes", "early_leave_minutes", "overtime_candidate_minutes",
                  "leave_type", "leave_minutes", "flags", "first_in", "last_out", "computed_at"]  # fmt: skip


class RecordQuerySerializer(serializers.Serializer[Any]):
    """`?from=&to=&workplace=&user=&status=` ("from" is a keyword, hence get_fields)."""

    def get_fields(self) -> dict[str, Any]:
        return {
            "from": serializers.DateField(required=False), "to": serializers.DateField(required=False),
            "workplace": serializers.SlugRelatedField(
                slug_field="code", queryset=Workplace.objects.all(), required=False
            ),
            "user": serializers.UUIDField(required=False), "status": serializers.CharField(required=False),
            "kind": serializers.CharField(required=False),
        }  # fmt: skip


class BoardRowSerializer(serializers.Serializer[Any]):
    user = AttendancePersonSerializer()
    status = serializers.CharField(help_text="in, on_break, outside_fence, late, absent, on_leave, not_started or "
                                   "clocked_out.")  # fmt: skip
    workplace = serializers.CharField(source="workplace.code", allow_null=True, default=None)
    shift_id = serializers.IntegerField(source="shift.id", allow_null=True, default=None)
    shift_starts_at = serializers.DateTimeField(source="shift.starts_at", allow_null=True, default=None)
    shift_ends_at = serializers.DateTimeField(source="shift.ends_at", allow_null=True, default=None)
    since = serializers.DateTimeField(allow_null=True, help_text="The last punch's time.")
    verdict = serializers.CharField(help_text="The last punch's geofence verdict.")
    distance_m = serializers.FloatField(allow_null=True)
    leave_type = serializers.CharField()


class BoardSerializer(serializers.Serializer[Any]):
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="People per status (all statuses).")
    rows = BoardRowSerializer(many=True)


class PunchProposalSerializer(serializers.Serializer[Any]):
    kind = serializers.RegexField(r"^(in|out|break_start|break_end)$", help_text="in, out, break_start or break_end.")
    at = serializers.DateTimeField(help_text="With its offset, e.g. 2026-12-04T09:00:00+11:00.")
    workplace = serializers.CharField(help_text="The workplace's code.")


class CorrectionSerializer(serializers.ModelSerializer[AttendanceCorrection]):
    user = AttendancePersonSerializer(read_only=True)
    requested_by = AttendancePersonSerializer(read_only=True)

    class Meta:
        model = AttendanceCorrection
        fields = ["id", "user", "date", "punches", "reason", "status", "requested_by", "decision_reason",
                  "decided_at", "created_at"]  # fmt: skip


class CorrectionRequestSerializer(serializers.Serializer[Any]):
    date = serializers.DateField()
    punches = PunchProposalSerializer(many=True, min_length=1, max_length=20)
    reason = serializers.CharField(max_length=2000)
    user = serializers.UUIDField(required=False, help_text="For a report of yours (managers, admins); default: you.")


class OvertimeSerializer(serializers.ModelSerializer[OvertimeRecord]):
    user = AttendancePersonSerializer(read_only=True)
    workplace = serializers.SlugRelatedField(slug_field="code", read_only=True)
    weighted_minutes = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = OvertimeRecord
        fields = ["id", "user", "date", "workplace", "reason", "minutes", "multiplier", "weighted_minutes", "status",
                  "submitted_at", "decided_at", "decision_reason"]  # fmt: skip


class OvertimeTotalSerializer(serializers.Serializer[Any]):
    user_id = serializers.UUIDField()
    user__email = serializers.EmailField()
    user__full_name = serializers.CharField()
    status = serializers.CharField()
    minutes_total = serializers.IntegerField()
    weighted_total = serializers.DecimalField(max_digits=14, decimal_places=2)


class OvertimeRuleSerializer(serializers.ModelSerializer[OvertimeRule]):
    workplace = serializers.SlugRelatedField(
        slug_field="code", queryset=Workplace.objects.all(), allow_null=True, required=False,
        help_text="A site's code; empty: the organisation's rule.",
    )  # fmt: skip

    class Meta:
        model = OvertimeRule
        fields = ["id", "workplace", "daily_threshold_minutes", "weekly_threshold_minutes", "daily_multiplier",
                  "weekly_multiplier", "rest_day_counts", "rest_day_multiplier", "public_holiday_counts",
                  "public_holiday_multiplier", "auto_submit", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "updated_at"]
        validators: list[Any] = []  # the service upserts per workplace
