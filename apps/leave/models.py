"""Leave (tenant schema): types, working patterns, policies and their assignments, the balance ledger, requests.

Everything is counted in minutes: a leave type's `minutes_per_day` only turns minutes into days for
display and for day-unit amounts. A balance is the sum of the person's ledger entries for a type; the
ledger is append-only (a trigger refuses UPDATE and DELETE, see the migration), and each entry's
`idempotency_key` is unique so an accrual run, a decision or a cancellation writes at most once.

The database keeps the rules a service could forget: a type's unit, colour and thresholds; a policy's
amounts and months; an assignment names exactly one target (an entity or a person); a ledger entry's
kind and sign; a request's range, half-day and hour fields, and (exclusion constraint over
`daterange(start_date, effective_end)`) no two open or approved requests of one person overlap.
"""

import datetime

from django.conf import settings
from django.contrib.postgres.fields import DateRangeField
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Func, Q, Value

from apps.audit.history import history_records

KIND = "leave.request"  # the ApprovalKind this app contributes (apps/leave/contributions.py)
DEFAULT_MINUTES_PER_DAY = 456  # 7.6 hours
CODE_VALIDATOR = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_-]{0,29}$",
    "Codes are 1 to 30 capital letters, digits, hyphens or underscores, e.g. ANNUAL.",
    code="invalid_code",
)
COLOUR_VALIDATOR = RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour is #RRGGBB, e.g. #2E7D32.", code="invalid_colour")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class LeaveUnit(models.TextChoices):
    DAY = "day", "Whole days"
    HALF_DAY = "half_day", "Half days"
    HOUR = "hour", "Hours"


class LeaveType(models.Model):
    """A kind of leave (annual, personal/sick, unpaid …) and the rules every request of it follows."""

    Unit = LeaveUnit

    id = models.BigAutoField(primary_key=True)
    code = models.CharField(max_length=30, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField(max_length=100)
    paid = models.BooleanField(default=True)
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.DAY,
                            help_text="The smallest piece a request can ask for.")  # fmt: skip
    minutes_per_day = models.PositiveIntegerField(
        default=DEFAULT_MINUTES_PER_DAY, validators=[MinValueValidator(1), MaxValueValidator(1440)],
        help_text="How many minutes make a day when amounts are shown or given in days (456 = 7.6 h).",
    )  # fmt: skip
    attachment_required = models.BooleanField(default=False, help_text="E.g. a medical certificate.")
    attachment_after_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Require the attachment only beyond this many working days (empty: always)."
    )
    max_consecutive_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Longest request, in calendar days."
    )
    requires_balance = models.BooleanField(
        default=True, help_text="Refuse requests beyond the balance (unpaid leave usually does not need one)."
    )
    colour = models.CharField(max_length=7, default="#2E7D32", validators=[COLOUR_VALIDATOR])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(unit__in=LeaveUnit.values), name="leave_type_unit_valid"),
            models.CheckConstraint(condition=Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="leave_type_colour_valid"),
            models.CheckConstraint(condition=Q(minutes_per_day__gte=1, minutes_per_day__lte=1440),
                                   name="leave_type_minutes_per_day_range"),
            models.CheckConstraint(condition=Q(max_consecutive_days__isnull=True) | Q(max_consecutive_days__gte=1),
                                   name="leave_type_max_consecutive_positive"),
            models.CheckConstraint(condition=Q(attachment_after_days__isnull=True) | Q(attachment_required=True),
                                   name="leave_type_attachment_threshold_needs_attachment"),
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z0-9][A-Z0-9_-]{0,29}$"),
                                   name="leave_type_code_format"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name


class WorkPattern(models.Model):
    """Working minutes per weekday (0 = not a working day), used where a person has no published shifts."""

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=100, unique=True)
    mon = models.PositiveSmallIntegerField(default=DEFAULT_MINUTES_PER_DAY, validators=[MaxValueValidator(1440)])
    tue = models.PositiveSmallIntegerField(default=DEFAULT_MINUTES_PER_DAY, validators=[MaxValueValidator(1440)])
    wed = models.PositiveSmallIntegerField(default=DEFAULT_MINUTES_PER_DAY, validators=[MaxValueValidator(1440)])
    thu = models.PositiveSmallIntegerField(default=DEFAULT_MINUTES_PER_DAY, validators=[MaxValueValidator(1440)])
    fri = models.PositiveSmallIntegerField(default=DEFAULT_MINUTES_PER_DAY, validators=[MaxValueValidator(1440)])
    sat = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(1440)])
    sun = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(1440)])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{day}__lte": 1440 for day in WEEKDAYS}), name="leave_workpattern_day_minutes_range"
            ),
            models.CheckConstraint(
                condition=Q(mon__gt=0) | Q(tue__gt=0) | Q(wed__gt=0) | Q(thu__gt=0) | Q(fri__gt=0) | Q(sat__gt=0)
                | Q(sun__gt=0),
                name="leave_workpattern_some_working_day",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name

    def minutes_on(self, day: datetime.date) -> int:
        return int(getattr(self, WEEKDAYS[day.weekday()]))


class AccrualMethod(models.TextChoices):
    LUMP_SUM = "lump_sum", "Lump sum at the start of the year"
    MONTHLY = "monthly", "Monthly accrual"
    PER_HOUR = "per_hour", "Per hour worked"


class LeavePolicy(models.Model):
    """How a leave type is earned: the yearly amount, how it accrues, pro-rata, carry-over, negative limit."""

    Accrual = AccrualMethod

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=100, unique=True)
    leave_type = models.ForeignKey(LeaveType, on_delete=models.PROTECT, related_name="policies")
    accrual = models.CharField(max_length=10, choices=Accrual.choices, default=Accrual.MONTHLY)
    minutes_per_year = models.PositiveIntegerField(
        default=0, help_text="The yearly entitlement in minutes (lump sum and monthly accrual)."
    )
    minutes_per_hour_worked = models.DecimalField(
        max_digits=6, decimal_places=3, default=0, validators=[MinValueValidator(0)],
        help_text="Minutes earned per hour worked (per-hour accrual), e.g. 4.6 for 1/13 of an hour.",
    )  # fmt: skip
    pro_rata = models.BooleanField(default=True, help_text="A person who starts mid-year earns the share left.")
    year_start_month = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(12)], help_text="1 = January."
    )
    carry_over_cap_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most minutes carried into the next year (empty: no cap; 0: none)."
    )
    carry_over_expiry_months = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text="Carried-over minutes not used this many months after the year end expire (empty: never).",
    )  # fmt: skip
    negative_limit_minutes = models.PositiveIntegerField(
        default=0, help_text="How far below zero a request may take the balance."
    )
    work_pattern = models.ForeignKey(WorkPattern, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", help_text="Empty: Monday to Friday, 7.6 hours.")  # fmt: skip
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "leave policies"
        constraints = [
            models.CheckConstraint(condition=Q(accrual__in=AccrualMethod.values), name="leave_policy_accrual_valid"),
            models.CheckConstraint(condition=Q(year_start_month__gte=1, year_start_month__lte=12),
                                   name="leave_policy_year_start_month_range"),
            models.CheckConstraint(condition=Q(minutes_per_hour_worked__gte=0), name="leave_policy_per_hour_positive"),
            models.CheckConstraint(
                condition=Q(carry_over_expiry_months__isnull=True)
                | Q(carry_over_expiry_months__gte=1, carry_over_expiry_months__lte=24),
                name="leave_policy_expiry_months_range",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name


class LeavePolicyAssignment(models.Model):
    """A policy for everyone in an entity's subtree, or for one person (a person's assignment wins)."""

    id = models.BigAutoField(primary_key=True)
    policy = models.ForeignKey(LeavePolicy, on_delete=models.CASCADE, related_name="assignments")
    entity = models.ForeignKey("organisation.Entity", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")  # fmt: skip
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")  # fmt: skip
    starts_on = models.DateField(help_text="Accrual starts here (pro-rata from this date for a person).")
    person_start_date = models.DateField(
        null=True, blank=True, help_text="A person's own start date (pro-rata from it, when later than the assignment)."
    )
    home_workplace = models.ForeignKey(
        "workplaces.Workplace", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Whose public holidays apply without shifts.",
    )  # fmt: skip
    work_pattern = models.ForeignKey(WorkPattern, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     help_text="Overrides the policy's pattern.")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    history = history_records()

    class Meta:
        ordering = ["policy_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(entity__isnull=False, user__isnull=True) | Q(entity__isnull=True, user__isnull=False),
                name="leave_assignment_one_target",
                violation_error_message="Assign a policy to an entity or to a person, not both.",
            ),
            models.UniqueConstraint(fields=["policy", "entity"], condition=Q(entity__isnull=False),
                                    name="leave_assignment_policy_entity_unique"),
            models.UniqueConstraint(fields=["policy", "user"], condition=Q(user__isnull=False),
                                    name="leave_assignment_policy_user_unique"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["user"], name="leave_assignment_user")]

    def __str__(self) -> str:
        return f"{self.policy} → {self.entity or self.user}"


class LedgerKind(models.TextChoices):
    ACCRUAL = "accrual", "Accrual"
    TAKEN = "taken", "Taken"
    ADJUSTMENT = "adjustment", "Adjustment"
    CARRY_OVER = "carry_over", "Carry-over"
    EXPIRY = "expiry", "Expiry"
    CANCELLATION = "cancellation", "Cancellation (returned)"


class LeaveLedgerEntry(models.Model):
    """One signed movement of a person's balance of a leave type. Append-only; the balance is the SUM.

    A year end closes with two carry-over rows (the closing balance out on the last day, what the cap
    lets through back in on the first day of the new year), and later an expiry row for the part of
    the carried-in minutes not used within the policy's expiry months."""

    Kind = LedgerKind

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    leave_type = models.ForeignKey(LeaveType, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    minutes = models.IntegerField()
    effective_on = models.DateField()
    request = models.ForeignKey("LeaveRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=200, unique=True)
    note = models.CharField(max_length=255, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["effective_on", "id"]
        verbose_name_plural = "leave ledger entries"
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=LedgerKind.values), name="leave_ledger_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind__in=["accrual", "cancellation"], minutes__gte=0)
                | Q(kind__in=["taken", "expiry"], minutes__lte=0)
                | Q(kind__in=["adjustment", "carry_over"]),
                name="leave_ledger_sign_by_kind",
                violation_error_message="Accruals and returns add minutes; takes and expiries remove them.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["taken", "cancellation"], request__isnull=False)
                | ~Q(kind__in=["taken", "cancellation"]),
                name="leave_ledger_request_for_taken",
            ),
            models.CheckConstraint(
                condition=~Q(kind="adjustment") | ~Q(note=""), name="leave_ledger_adjustment_reason",
                violation_error_message="An adjustment says why.",
            ),
        ]  # fmt: skip
        indexes = [
            # The balance is an index-only SUM over one person's rows of one type up to a date.
            models.Index(
                fields=["user", "leave_type", "effective_on"], include=["minutes"], name="leave_ledger_balance"
            ),
            models.Index(fields=["request"], name="leave_ledger_request"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.minutes:+d} min on {self.effective_on}"


class LeaveRequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"
    PARTIALLY_CANCELLED = "partially_cancelled", "Partially cancelled"


HOLDING_STATUSES = ("pending", "approved", "partially_cancelled")  # they hold their days (no overlap)
TAKEN_STATUSES = ("approved", "partially_cancelled")


def request_period() -> Func:
    return Func(F("start_date"), F("effective_end"), Value("[]"), function="daterange", output_field=DateRangeField())


def attachment_path(instance: "LeaveRequest", filename: str) -> str:
    return f"leave/attachments/{instance.user_id}/{filename}"


class LeaveRequest(models.Model):
    """A person's request for leave: the days (or hours), the working minutes they count, the decision."""

    Status = LeaveRequestStatus

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    leave_type = models.ForeignKey(LeaveType, on_delete=models.PROTECT, related_name="requests")
    start_date = models.DateField()
    end_date = models.DateField()
    effective_end = models.DateField(help_text="The last day still on leave (earlier after a partial cancellation).")
    start_half = models.BooleanField(default=False, help_text="The first day starts at midday (afternoon only).")
    end_half = models.BooleanField(default=False, help_text="The last day ends at midday (morning only).")
    start_time = models.TimeField(null=True, blank=True, help_text="Hourly leave: from (one day).")
    end_time = models.TimeField(null=True, blank=True, help_text="Hourly leave: until.")
    reason = models.TextField(blank=True, default="")
    attachment = models.FileField(upload_to=attachment_path, null=True, blank=True, max_length=255)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    minutes = models.PositiveIntegerField(help_text="Working minutes the request counts (what the balance pays).")
    day_minutes = models.JSONField(default=dict, help_text="Working minutes per day, {'YYYY-MM-DD': minutes}.")
    workplace = models.ForeignKey("workplaces.Workplace", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", help_text="Whose public holidays were left out.")  # fmt: skip
    cancelled_from = models.DateField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=LeaveRequestStatus.values),
                                   name="leave_request_status_valid"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="leave_request_range_valid",
                                   violation_error_message="The leave ends before it starts."),
            models.CheckConstraint(
                condition=Q(effective_end__gte=F("start_date"), effective_end__lte=F("end_date")),
                name="leave_request_effective_end_in_range",
            ),
            models.CheckConstraint(
                condition=Q(start_time__isnull=True, end_time__isnull=True)
                | Q(start_time__isnull=False, end_time__isnull=False, end_time__gt=F("start_time"),
                    end_date=F("start_date"), start_half=False, end_half=False),
                name="leave_request_hours_valid",
                violation_error_message="Hourly leave is one day, from a time to a later time.",
            ),
            models.CheckConstraint(
                condition=~Q(start_date=F("end_date"), start_half=True, end_half=True),
                name="leave_request_one_half_per_single_day",
            ),
            models.CheckConstraint(
                condition=Q(status="partially_cancelled", cancelled_from__isnull=False)
                | ~Q(status="partially_cancelled"),
                name="leave_request_cancelled_from_when_partial",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True) | ~Q(status="pending"),
                name="leave_request_pending_undecided",
            ),
            # No overlap between one person's holding requests: the trigger of migration 0001
            # (leave_request_no_overlap), since an exclusion constraint would need btree_gist.
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["user", "-start_date"], name="leave_request_user"),
            models.Index(fields=["status", "start_date"], name="leave_request_status"),
            models.Index(fields=["start_date", "effective_end"], condition=Q(status__in=HOLDING_STATUSES),
                         name="leave_request_holding_dates"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.leave_type} {self.start_date} to {self.end_date}"

    @property
    def is_hourly(self) -> bool:
        return self.start_time is not None
