"""Rosters (tenant schema): shift types, rosters of a site over a period, their shifts and patterns.

The rules that must never break are kept by the database:

- a shift ends after it starts; breaks fit nothing negative (checks);
- one person is never booked twice at the same time: a trigger (migration 0001) refuses an overlapping
  [starts_at, ends_at) of the same person for every shift that is not cancelled, with SQLSTATE 23P01
  like an exclusion constraint (which would need btree_gist, missing from the embedded PostgreSQL);
- a roster's period ends on or after its start; a status is one of its choices.

Rules that may be "flag" or "refuse" (minimum rest, weekly hours) and leave overlaps are checked by
the services (apps/rosters/rules.py), which write their findings into `Shift.flags`.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from apps.audit.history import history_records

CODE_VALIDATOR = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_-]{0,29}$",
    "Codes are 1 to 30 capital letters, digits, hyphens or underscores, e.g. DAY.",
    code="invalid_code",
)
COLOUR_VALIDATOR = RegexValidator(
    r"^#[0-9a-f]{6}$", "A colour is #rrggbb in lower case, e.g. #2f6fdf.", code="invalid_colour"
)
MINUTES_IN_DAY = 24 * 60


class ShiftType(models.Model):
    """A kind of shift: its local start and end (overnight when end <= start), breaks and grace."""

    id = models.BigAutoField(primary_key=True)
    code = models.CharField(max_length=30, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField(max_length=100)
    start_time = models.TimeField(help_text="Local time at the workplace.")
    end_time = models.TimeField(help_text="Local time; at or before the start means the shift ends the next day.")
    unpaid_break_minutes = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(MINUTES_IN_DAY)])
    paid_break_minutes = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(MINUTES_IN_DAY)])
    late_grace_minutes = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(240)], help_text="Minutes after the start before a punch is late."
    )
    colour = models.CharField(max_length=7, default="#2f6fdf", validators=[COLOUR_VALIDATOR])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["start_time", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(colour__regex=r"^#[0-9a-f]{6}$"), name="rosters_shifttype_colour"),
            models.CheckConstraint(condition=Q(late_grace_minutes__lte=240), name="rosters_shifttype_grace_range"),
            models.CheckConstraint(
                condition=Q(unpaid_break_minutes__lte=MINUTES_IN_DAY, paid_break_minutes__lte=MINUTES_IN_DAY),
                name="rosters_shifttype_breaks_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def overnight(self) -> bool:
        return self.end_time <= self.start_time

    @property
    def nominal_minutes(self) -> int:
        """The wall-clock length on a day without a DST change."""
        start = self.start_time.hour * 60 + self.start_time.minute
        end = self.end_time.hour * 60 + self.end_time.minute
        return (end - start) % MINUTES_IN_DAY or MINUTES_IN_DAY


class RuleAction(models.TextChoices):
    REFUSE = "refuse", "Refuse"
    FLAG = "flag", "Flag"


class RosterRules(models.Model):
    """Roster rules: the tenant's default (no workplace) or one workplace's override."""

    Action = RuleAction

    id = models.BigAutoField(primary_key=True)
    workplace = models.ForeignKey(
        "workplaces.Workplace",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty: the organisation's default.",
    )
    min_rest_hours = models.PositiveSmallIntegerField(
        default=10,
        validators=[MaxValueValidator(48)],
        help_text="Minimum hours between two shifts of a person; 0 = off.",
    )
    min_rest_action = models.CharField(max_length=10, choices=Action.choices, default=Action.FLAG)
    max_weekly_hours = models.PositiveSmallIntegerField(
        default=48,
        validators=[MaxValueValidator(168)],
        help_text="Maximum scheduled hours in a Monday to Sunday week; 0 = off.",
    )
    max_weekly_action = models.CharField(max_length=10, choices=Action.choices, default=Action.FLAG)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        constraints = [
            # One default (workplace NULL) and one override per workplace.
            models.UniqueConstraint(fields=["workplace"], nulls_distinct=False, name="rosters_rules_one_per_scope"),
            models.CheckConstraint(condition=Q(min_rest_hours__lte=48), name="rosters_rules_rest_range"),
            models.CheckConstraint(condition=Q(max_weekly_hours__lte=168), name="rosters_rules_weekly_range"),
            models.CheckConstraint(
                condition=Q(min_rest_action__in=RuleAction.values), name="rosters_rules_rest_action"
            ),
            models.CheckConstraint(
                condition=Q(max_weekly_action__in=RuleAction.values), name="rosters_rules_weekly_action"
            ),
        ]

    def __str__(self) -> str:
        return f"Roster rules ({self.workplace_id or 'default'})"


class RosterStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Roster(models.Model):
    """Who works when at one site over a period."""

    Status = RosterStatus

    id = models.BigAutoField(primary_key=True)
    workplace = models.ForeignKey("workplaces.Workplace", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rules_snapshot = models.JSONField(default=dict, blank=True, help_text="The rules in force when last published.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="rosters_roster_period",
                violation_error_message="The period ends before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__lte=F("start_date") + 366),
                name="rosters_roster_period_length",
                violation_error_message="A roster covers at most a year.",
            ),
            models.CheckConstraint(condition=Q(status__in=RosterStatus.values), name="rosters_roster_status"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False), name="rosters_roster_published_at"
            ),
        ]
        indexes = [models.Index(fields=["workplace", "start_date"], name="rosters_roster_site_start")]

    def __str__(self) -> str:
        return self.name


class RosterPattern(models.Model):
    """A repeating assignment: these people work this shift type on the days of an RFC 5545 RRULE."""

    id = models.BigAutoField(primary_key=True)
    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="patterns")
    shift_type = models.ForeignKey(ShiftType, on_delete=models.PROTECT, related_name="+")
    rrule = models.CharField(max_length=500, help_text="e.g. FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")
    starts_on = models.DateField(help_text="The first day the rule may fall on (DTSTART).")
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = history_records()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.shift_type_id} {self.rrule}"


class ShiftStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    CANCELLED = "cancelled", "Cancelled"


class Shift(models.Model):
    """One person's shift at a workplace. `local_date` is the workplace-local day it starts."""

    Status = ShiftStatus

    id = models.BigAutoField(primary_key=True)
    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="shifts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    workplace = models.ForeignKey("workplaces.Workplace", on_delete=models.PROTECT, related_name="+")
    shift_type = models.ForeignKey(ShiftType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    pattern = models.ForeignKey(RosterPattern, null=True, blank=True, on_delete=models.SET_NULL, related_name="shifts")
    local_date = models.DateField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    unpaid_break_minutes = models.PositiveSmallIntegerField(default=0)
    paid_break_minutes = models.PositiveSmallIntegerField(default=0)
    late_grace_minutes = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    flags = models.JSONField(default=list, blank=True, help_text='[{"code", "message"}]: rules flagged, not refused.')
    notes = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="rosters_shift_ends_after_start",
                violation_error_message="A shift ends after it starts.",
            ),
            models.CheckConstraint(condition=Q(status__in=ShiftStatus.values), name="rosters_shift_status"),
            models.CheckConstraint(
                condition=Q(unpaid_break_minutes__lte=MINUTES_IN_DAY), name="rosters_shift_unpaid_break_range"
            ),
            # No person is booked twice at once (cancelled shifts aside): the trigger of migration 0001
            # (rosters_shift_no_double_booking), since an exclusion constraint would need btree_gist.
        ]
        indexes = [
            models.Index(fields=["user", "starts_at"], name="rosters_shift_user_start"),
            models.Index(fields=["workplace", "local_date"], name="rosters_shift_site_day"),
            models.Index(fields=["local_date"], name="rosters_shift_day"),
        ]

    def __str__(self) -> str:
        return f"Shift {self.pk} of {self.user_id} on {self.local_date}"

    @property
    def scheduled_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60) - self.unpaid_break_minutes


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's secret iCalendar feed address; rotating it replaces the token (the old URL stops)."""

    id = models.BigAutoField(primary_key=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(token__regex=r"^[A-Za-z0-9_-]{43,64}$"),  # noqa: S106 (a shape, not a secret)
                name="rosters_feed_token_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"Calendar feed of {self.user_id}"
