"""Tenant API shapes of leave. Amounts are minutes; `days` divides by the type's minutes per day."""

from typing import Any

from rest_framework import serializers

from apps.leave.models import LeaveLedgerEntry, LeavePolicy, LeaveRequest, LeaveType


class LeaveTypeSerializer(serializers.ModelSerializer[LeaveType]):
    unit = serializers.CharField(read_only=True, help_text="day, half_day or hour.")

    class Meta:
        model = LeaveType
        fields = [
            "id",
            "code",
            "name",
            "paid",
            "unit",
            "minutes_per_day",
            "attachment_required",
            "attachment_after_days",
            "max_consecutive_days",
            "requires_balance",
            "colour",
            "is_active",
        ]


class LeaveBalanceSerializer(serializers.Serializer[Any]):
    type = serializers.CharField(source="leave_type.code")
    type_name = serializers.CharField(source="leave_type.name")
    minutes = serializers.IntegerField(help_text="The ledger up to today.")
    days = serializers.FloatField()
    booked_minutes = serializers.IntegerField(help_text="Ledger movements dated after today (leave ahead).")
    pending_minutes = serializers.IntegerField(help_text="Held by pending requests.")
    projected_minutes = serializers.IntegerField(allow_null=True, help_text="The projection on `on`, when asked.")


class LeaveRequestSerializer(serializers.ModelSerializer[LeaveRequest]):
    type = serializers.CharField(source="leave_type.code", read_only=True)
    user_id = serializers.UUIDField(read_only=True)
    status = serializers.CharField(
        read_only=True, help_text="pending, approved, rejected, cancelled, partially_cancelled."
    )
    days = serializers.SerializerMethodField()
    has_attachment = serializers.SerializerMethodField()

    class Meta:
        model = LeaveRequest
        fields = [
            "id",
            "user_id",
            "type",
            "start_date",
            "end_date",
            "effective_end",
            "start_half",
            "end_half",
            "start_time",
            "end_time",
            "reason",
            "status",
            "minutes",
            "days",
            "day_minutes",
            "has_attachment",
            "cancelled_from",
            "decision_reason",
            "decided_at",
            "created_at",
        ]

    def get_days(self, request: LeaveRequest) -> float:
        return round(request.minutes / request.leave_type.minutes_per_day, 2)

    def get_has_attachment(self, request: LeaveRequest) -> bool:
        return bool(request.attachment)


class LeaveRequestCreateSerializer(serializers.Serializer[Any]):
    type = serializers.CharField(help_text="The leave type's code, e.g. ANNUAL.")
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, help_text="Default: the start date.")
    start_half = serializers.BooleanField(default=False, help_text="The first day is the afternoon only.")
    end_half = serializers.BooleanField(default=False, help_text="The last day is the morning only.")
    start_time = serializers.TimeField(required=False, allow_null=True, help_text="Hourly types: from.")
    end_time = serializers.TimeField(required=False, allow_null=True, help_text="Hourly types: until.")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    attachment = serializers.FileField(required=False, allow_null=True, help_text="PDF or image, at most 5 MB.")


class LeaveCancelSerializer(serializers.Serializer[Any]):
    from_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Cancel from this day on (an approved request keeps the days before).",
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class LeavePolicySerializer(serializers.ModelSerializer[LeavePolicy]):
    type = serializers.SlugRelatedField(source="leave_type", slug_field="code", queryset=LeaveType.objects.all())
    accrual = serializers.CharField(help_text="lump_sum, monthly or per_hour.")

    class Meta:
        model = LeavePolicy
        fields = [
            "id",
            "name",
            "type",
            "accrual",
            "minutes_per_year",
            "minutes_per_hour_worked",
            "pro_rata",
            "year_start_month",
            "carry_over_cap_minutes",
            "carry_over_expiry_months",
            "negative_limit_minutes",
            "is_active",
        ]


class LeaveAdjustSerializer(serializers.Serializer[Any]):
    type = serializers.CharField(help_text="The leave type's code.")
    minutes = serializers.IntegerField(help_text="Signed minutes to add (negative to remove).")
    reason = serializers.CharField(help_text="Why (required, audited).")
    effective_on = serializers.DateField(required=False, allow_null=True)


class LeaveLedgerEntrySerializer(serializers.ModelSerializer[LeaveLedgerEntry]):
    type = serializers.CharField(source="leave_type.code", read_only=True)
    kind = serializers.CharField(read_only=True)

    class Meta:
        model = LeaveLedgerEntry
        fields = ["id", "type", "kind", "minutes", "effective_on", "request", "note", "created_at"]


class LeaveCalendarRowSerializer(serializers.Serializer[Any]):
    user_id = serializers.UUIDField()
    name = serializers.CharField()
    days = serializers.DictField(
        help_text="{'YYYY-MM-DD': {type, colour, status, minutes (null: whole day), request_id}}"
    )
