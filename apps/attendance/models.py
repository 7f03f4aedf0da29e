"""Attendance (tenant schema): one record per person per day computed from the roster, the punches and
approved leave; the late notices sent once per shift; corrections (through approvals) that replace a
day's punches while keeping the originals; overtime rules and the overtime records drawn from records.

Shifts and punches belong to apps.rosters and apps.timeclock; a record keeps the ids of its shifts
(not foreign keys: the record is a computed summary, recomputed when they change).
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.audit.history import history_records

CORRECTION_KIND = "attendance.correction"  # ApprovalKinds contributed in contributions.py
OVERTIME_KIND = "attendance.overtime"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "Present"
    LATE = "late", "Late"
    ABSENT = "absent", "Absent"
    ON_LEAVE = "on_leave", "On leave"
    PARTIAL = "partial", "Partial"
    OFF = "off", "Off (no shift, no punches)"
    UNSCHEDULED_WORK = "unscheduled_work", "Worked without a shift"
    SCHEDULED = "scheduled", "Scheduled (shift not over yet)"


class AttendanceFlag(models.TextChoices):
    MISSING_PUNCH = "missing_punch", "Missing punch"
    OUTSIDE_FENCE = "outside_fence", "Punch outside the fence"
    AUTO_CLOCK_OUT = "auto_clock_out", "Automatic clock-out"
    NEEDS_REVIEW = "needs_review", "Punch needs review"
    CORRECTED = "corrected", "Corrected"


EXCEPTION_STATUSES = (AttendanceStatus.LATE, AttendanceStatus.ABSENT, AttendanceStatus.PARTIAL)


class AttendanceRecord(models.Model):
    """One person's day (the workplace-local date their shift starts on). Written only by
    `services.records_compute` (a bulk upsert that skips rows whose `computation_hash` is unchanged),
    so it keeps no simple-history: it is derived data, recomputed from punches that keep theirs."""

    Status = AttendanceStatus

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    workplace = models.ForeignKey("workplaces.Workplace", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")  # fmt: skip
    shift_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    scheduled_minutes = models.PositiveIntegerField(default=0)
    worked_minutes = models.PositiveIntegerField(default=0)
    unpaid_break_minutes = models.PositiveIntegerField(default=0)
    late_minutes = models.PositiveIntegerField(default=0)
    early_leave_minutes = models.PositiveIntegerField(default=0)
    overtime_candidate_minutes = models.PositiveIntegerField(default=0)
    leave_type = models.CharField(max_length=50, blank=True, default="", help_text="Code of the approved leave.")
    leave_minutes = models.PositiveIntegerField(default=0, help_text="Approved leave that day (whole day: scheduled).")
    flags = ArrayField(models.CharField(max_length=30), default=list, blank=True)
    first_in = models.DateTimeField(null=True, blank=True)
    last_out = models.DateTimeField(null=True, blank=True)
    computation_hash = models.CharField(max_length=64)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-date", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "date"], name="attendance_record_one_per_day"),
            models.CheckConstraint(condition=Q(status__in=AttendanceStatus.values), name="attendance_record_status"),
            models.CheckConstraint(condition=Q(first_in__isnull=True) | Q(last_out__isnull=True)
                                   | Q(last_out__gte=models.F("first_in")), name="attendance_record_in_before_out"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["date", "status"], name="attendance_record_day_status"),
            models.Index(fields=["workplace", "date"], name="attendance_record_site_day"),
            models.Index(fields=["user", "-date"], name="attendance_record_user_day"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.user_id}: {self.status}"

    @property
    def is_exception(self) -> bool:
        return self.status in EXCEPTION_STATUSES or bool(self.flags)


class LateNotice(models.Model):
    """`attendance.late` was published for this shift (once: the shift id is unique)."""

    id = models.BigAutoField(primary_key=True)
    shift_id = models.BigIntegerField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    workplace = models.ForeignKey("workplaces.Workplace", null=True, on_delete=models.PROTECT, related_name="+")
    shift_starts_at = models.DateTimeField()
    notified_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-notified_at"]

    def __str__(self) -> str:
        return f"Late notice for shift {self.shift_id}"


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RETURNED = "returned", "Returned for changes"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


OPEN_CORRECTION_STATUSES = (CorrectionStatus.PENDING, CorrectionStatus.RETURNED)


class AttendanceCorrection(models.Model):
    """A request to replace one person's punches of one day by `punches` ([{kind, at, workplace}]).
    Approved through the "attendance.correction" workflow; the original punches stay (superseded)."""

    Status = CorrectionStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    punches = models.JSONField(help_text='[{"kind": "in", "at": "2026-12-01T09:00:00+11:00", "workplace": "SYD-CBD"}]')
    reason = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    decision_reason = models.TextField(blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CorrectionStatus.values),
                                   name="attendance_correction_status"),
            models.CheckConstraint(condition=~Q(reason=""), name="attendance_correction_reason_required"),
            models.CheckConstraint(
                condition=Q(status__in=OPEN_CORRECTION_STATUSES, decided_at__isnull=True)
                | Q(status__in=["approved", "rejected", "cancelled"], decided_at__isnull=False),
                name="attendance_correction_decided_when_closed",
            ),
            models.UniqueConstraint(
                fields=["user", "date"], condition=Q(status__in=OPEN_CORRECTION_STATUSES),
                name="attendance_correction_one_open_per_day",
                violation_error_message="This day already has an open correction.",
            ),
        ]  # fmt: skip
        indexes = [models.Index(fields=["user", "-date"], name="attendance_correction_user")]

    def __str__(self) -> str:
        return f"Correction of {self.date}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CORRECTION_STATUSES


MULTIPLIER = [MinValueValidator(Decimal("1.00")), MaxValueValidator(Decimal("5.00"))]


class OvertimeRule(models.Model):
    """How overtime is counted: one rule for the tenant (workplace empty) and any per workplace (the
    workplace's wins). Thresholds left empty count no overtime of that kind; a rest day (no shift) and
    a public holiday of the workplace count every worked minute."""

    id = models.BigAutoField(primary_key=True)
    workplace = models.ForeignKey("workplaces.Workplace", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", help_text="Empty: the organisation's rule.")  # fmt: skip
    daily_threshold_minutes = models.PositiveIntegerField(null=True, blank=True, default=480)
    weekly_threshold_minutes = models.PositiveIntegerField(null=True, blank=True, default=2280)
    daily_multiplier = models.DecimalField(
        max_digits=3, decimal_places=2, default=Decimal("1.50"), validators=MULTIPLIER
    )
    weekly_multiplier = models.DecimalField(
        max_digits=3, decimal_places=2, default=Decimal("1.50"), validators=MULTIPLIER
    )
    rest_day_counts = models.BooleanField(default=True, help_text="Work on a day without a shift is all overtime.")
    rest_day_multiplier = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("2.00"),
                                              validators=MULTIPLIER)  # fmt: skip
    public_holiday_counts = models.BooleanField(default=True, help_text="Work on a public holiday is all overtime.")
    public_holiday_multiplier = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("2.00"),
                                                    validators=MULTIPLIER)  # fmt: skip
    auto_submit = models.BooleanField(default=True, help_text="Send new overtime for approval automatically.")
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["workplace_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workplace"], nulls_distinct=False,
                                    name="attendance_overtime_rule_one_per_scope"),
            *[models.CheckConstraint(condition=Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                                     name=f"attendance_rule_{name}")
              for name in ("daily_multiplier", "weekly_multiplier", "rest_day_multiplier",
                           "public_holiday_multiplier")],
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Overtime rule ({self.workplace or 'organisation'})"


class OvertimeReason(models.TextChoices):
    DAILY = "daily", "Over the daily threshold"
    WEEKLY = "weekly", "Over the weekly threshold"
    REST_DAY = "rest_day", "Rest day"
    PUBLIC_HOLIDAY = "public_holiday", "Public holiday"


class OvertimeStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class OvertimeRecord(models.Model):
    """Overtime of one person on one day for one reason, drawn from the attendance records by
    `services.overtime_generate` (idempotent: pending rows follow the records, decided rows stay)."""

    Reason = OvertimeReason
    Status = OvertimeStatus

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    workplace = models.ForeignKey("workplaces.Workplace", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")  # fmt: skip
    reason = models.CharField(max_length=20, choices=Reason.choices)
    minutes = models.PositiveIntegerField()
    multiplier = models.DecimalField(max_digits=3, decimal_places=2)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="Sent for approval.")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")  # fmt: skip
    decision_reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["-date", "user_id", "reason"]
        constraints = [
            models.UniqueConstraint(fields=["user", "date", "reason"], name="attendance_overtime_one_per_reason"),
            models.CheckConstraint(condition=Q(reason__in=OvertimeReason.values), name="attendance_overtime_reason"),
            models.CheckConstraint(condition=Q(status__in=OvertimeStatus.values), name="attendance_overtime_status"),
            models.CheckConstraint(condition=Q(minutes__gt=0), name="attendance_overtime_minutes_positive"),
            models.CheckConstraint(condition=Q(multiplier__gte=1, multiplier__lte=5),
                                   name="attendance_overtime_multiplier"),
            models.CheckConstraint(condition=Q(status="pending", decided_at__isnull=True)
                                   | Q(status__in=["approved", "rejected"], decided_at__isnull=False),
                                   name="attendance_overtime_decided_when_closed"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["date", "status"], name="attendance_overtime_day_status")]

    def __str__(self) -> str:
        return f"{self.minutes} min {self.reason} overtime on {self.date}"

    @property
    def weighted_minutes(self) -> Decimal:
        return (Decimal(self.minutes) * self.multiplier).quantize(Decimal("0.01"))
