"""Routines (tenant schema): a recurring set of linked tasks at a workplace (issue 16, item 5).

A routine has an RFC 5545 rule anchored at a local start (date and time in the workplace's time zone),
a horizon (days generated ahead) and its members (what each occurrence makes: a template or a title
with a checklist, an offset from the occurrence time, a due duration, an assignee rule) linked
finish-to-start. The generator (`generation.py`) writes each occurrence's tasks ahead, exactly once:

- `Occurrence` is unique per (routine, key), the key being the occurrence's local wall time
  (`apps.core.recurrence.occurrence_key`); a skipped occurrence keeps its row, so it never comes back;
- `OccurrenceTask` is unique per (occurrence, member) and names the task it made (one task, one row).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from apps.audit.history import history_records
from apps.tasks.models import AssigneeKind

MAX_OFFSET_MINUTES = 60 * 24 * 7
MAX_HORIZON_DAYS = 60


class RoutineStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Ended"


class Routine(models.Model):
    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=200)
    workplace = models.ForeignKey("workplaces.Workplace", on_delete=models.PROTECT, related_name="+")
    rrule = models.CharField(max_length=500, help_text="One RFC 5545 RRULE with COUNT or UNTIL.")
    start_date = models.DateField(help_text="The first occurrence's local date (the rule's DTSTART).")
    start_time = models.TimeField(help_text="Local time of day in the workplace's time zone.")
    horizon_days = models.PositiveSmallIntegerField(
        default=14, validators=[MinValueValidator(1), MaxValueValidator(MAX_HORIZON_DAYS)]
    )
    status = models.CharField(max_length=10, choices=RoutineStatus.choices, default=RoutineStatus.ACTIVE)
    generated_until = models.DateTimeField(null=True, blank=True, help_text="Occurrences before this are written.")
    split_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="splits")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RoutineStatus.values), name="routines_routine_status"),
            models.CheckConstraint(
                condition=Q(horizon_days__gte=1, horizon_days__lte=MAX_HORIZON_DAYS), name="routines_routine_horizon"
            ),
            models.CheckConstraint(condition=~Q(rrule=""), name="routines_routine_rrule"),
        ]
        indexes = [models.Index(fields=["status", "generated_until"], name="routines_due_for_generation")]

    def __str__(self) -> str:
        return self.name


class RoutineTask(models.Model):
    """One member of a routine: what each occurrence makes. `assignee_kind` empty: the template's rule."""

    id = models.BigAutoField(primary_key=True)
    routine = models.ForeignKey(Routine, on_delete=models.CASCADE, related_name="members")
    position = models.PositiveSmallIntegerField()
    template = models.ForeignKey("tasks.TaskTemplate", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")  # fmt: skip
    title = models.CharField(max_length=200, blank=True, help_text="Replaces the template's name when given.")
    checklist = models.JSONField(default=list, blank=True, help_text='[["text", required], ...] without a template.')
    offset_minutes = models.IntegerField(
        default=0, validators=[MinValueValidator(-MAX_OFFSET_MINUTES), MaxValueValidator(MAX_OFFSET_MINUTES)]
    )
    due_minutes = models.PositiveIntegerField(default=60, validators=[MaxValueValidator(MAX_OFFSET_MINUTES)])
    assignee_kind = models.CharField(max_length=10, blank=True, choices=AssigneeKind.choices)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")  # fmt: skip
    team = models.ForeignKey("organisation.Entity", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    role = models.ForeignKey("access.Role", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    history = history_records()

    class Meta:
        ordering = ["routine", "position"]
        constraints = [
            models.UniqueConstraint(fields=["routine", "position"], name="routines_member_position_unique"),
            models.CheckConstraint(condition=Q(template__isnull=False) | ~Q(title=""), name="routines_member_what"),
            models.CheckConstraint(
                condition=Q(assignee_kind__in=["", *AssigneeKind.values]), name="routines_member_kind"
            ),
            models.CheckConstraint(
                condition=Q(offset_minutes__gte=-MAX_OFFSET_MINUTES, offset_minutes__lte=MAX_OFFSET_MINUTES),
                name="routines_member_offset",
            ),
        ]

    def __str__(self) -> str:
        return self.title or (self.template.name if self.template else f"member {self.position}")


class RoutineLink(models.Model):
    """Finish-to-start between two members of one routine: each occurrence gets the same dependency."""

    id = models.BigAutoField(primary_key=True)
    routine = models.ForeignKey(Routine, on_delete=models.CASCADE, related_name="links")
    predecessor = models.ForeignKey(RoutineTask, on_delete=models.CASCADE, related_name="+")
    successor = models.ForeignKey(RoutineTask, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="routines_link_unique"),
            models.CheckConstraint(condition=~Q(predecessor=F("successor")), name="routines_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor_id} -> {self.successor_id}"


class OccurrenceStatus(models.TextChoices):
    GENERATED = "generated", "Generated"
    SKIPPED = "skipped", "Skipped"


class Occurrence(models.Model):
    """One occurrence of a routine, written once. `at` is when it happens (moved by a "this occurrence"
    edit); `key` is the rule's local wall time and never changes."""

    id = models.BigAutoField(primary_key=True)
    routine = models.ForeignKey(Routine, on_delete=models.CASCADE, related_name="occurrences")
    key = models.CharField(max_length=16)
    at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=OccurrenceStatus.choices, default=OccurrenceStatus.GENERATED)
    edited_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["routine", "at"]
        constraints = [
            models.UniqueConstraint(fields=["routine", "key"], name="routines_occurrence_once"),
            models.CheckConstraint(condition=Q(status__in=OccurrenceStatus.values), name="routines_occurrence_status"),
        ]

    def __str__(self) -> str:
        return f"{self.routine_id} @ {self.key}"


class OccurrenceTask(models.Model):
    id = models.BigAutoField(primary_key=True)
    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="tasks")
    member = models.ForeignKey(RoutineTask, on_delete=models.PROTECT, related_name="+")
    task = models.OneToOneField("tasks.Task", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["occurrence", "member"], name="routines_occurrence_task_once")]

    def __str__(self) -> str:
        return f"{self.occurrence_id}/{self.member_id} -> {self.task_id}"
