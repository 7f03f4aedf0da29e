"""Safety incidents (tenant schema): what happened, where and to whom, the investigation, corrective
actions (tasks of the task engine) and the regulator's deadline.

The rules that must never break are kept by the database:

- type, severity, status and a person's role are one of their choices (checks);
- a near miss hurt nobody (never both flags), a near miss is flagged as one and an injury as one;
- latitude and longitude are both given or both absent, and in range;
- a closed incident says when it was closed, an open one does not;
- a notifiable incident has its deadline;
- a mobile client's id makes one incident per reporter however often the app retries;
- a person involved is a member or a name, never neither; a task is one incident's action once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.audit.history import history_records

REFERENCE_PREFIX = "INC"


class IncidentType(models.TextChoices):
    INJURY = "injury", "Injury"
    DANGEROUS_OCCURRENCE = "dangerous_occurrence", "Dangerous occurrence"
    NEAR_MISS = "near_miss", "Near miss"
    PROPERTY_DAMAGE = "property_damage", "Property damage"
    SECURITY = "security", "Security"
    ENVIRONMENTAL = "environmental", "Environmental"
    OTHER = "other", "Other"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


SERIOUS = (Severity.HIGH, Severity.CRITICAL)


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", "Reported"
    UNDER_INVESTIGATION = "under_investigation", "Under investigation"
    ACTION_REQUIRED = "action_required", "Action required"
    CLOSED = "closed", "Closed"
    REOPENED = "reopened", "Reopened"


# Where each status may go (closing has its own rules: services.incident_transition).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    IncidentStatus.REPORTED: (
        IncidentStatus.UNDER_INVESTIGATION,
        IncidentStatus.ACTION_REQUIRED,
        IncidentStatus.CLOSED,
    ),
    IncidentStatus.UNDER_INVESTIGATION: (IncidentStatus.ACTION_REQUIRED, IncidentStatus.CLOSED),
    IncidentStatus.ACTION_REQUIRED: (IncidentStatus.UNDER_INVESTIGATION, IncidentStatus.CLOSED),
    IncidentStatus.REOPENED: (
        IncidentStatus.UNDER_INVESTIGATION,
        IncidentStatus.ACTION_REQUIRED,
        IncidentStatus.CLOSED,
    ),
    IncidentStatus.CLOSED: (IncidentStatus.REOPENED,),
}
OPEN_STATUSES = tuple(s for s in IncidentStatus.values if s != IncidentStatus.CLOSED)


class PersonRole(models.TextChoices):
    INJURED = "injured", "Injured"
    WITNESS = "witness", "Witness"
    INVOLVED = "involved", "Involved"


class Incident(models.Model):
    Type = IncidentType
    Severity = Severity
    Status = IncidentStatus

    id = models.BigAutoField(primary_key=True)
    title = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=IncidentType.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.LOW)
    injury = models.BooleanField(default=False, help_text="Someone was hurt.")
    near_miss = models.BooleanField(default=False, help_text="Nobody was hurt, but someone could have been.")
    occurred_at = models.DateTimeField()
    reported_at = models.DateTimeField()
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", help_text="Empty when an integration reported it.")  # fmt: skip
    client_id = models.UUIDField(null=True, blank=True, help_text="The reporting app's id: a retry is the same report.")
    client_fingerprint = models.CharField(
        max_length=64, blank=True, editable=False,
        help_text="SHA-256 of the normalised report first sent with client_id: a retry must match it.",
    )  # fmt: skip
    workplace = models.ForeignKey("workplaces.Workplace", on_delete=models.PROTECT, related_name="+")
    location_detail = models.CharField(max_length=300, blank=True, help_text="Where on the site, e.g. loading dock 2.")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    description = models.TextField()
    immediate_actions = models.TextField(blank=True, help_text="What was done on the spot.")
    status = models.CharField(max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.REPORTED)
    status_changed_at = models.DateTimeField()
    # The investigation (one per incident).
    investigator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")  # fmt: skip
    findings = models.TextField(blank=True)
    root_cause = models.TextField(blank=True)
    investigation_completed_at = models.DateTimeField(null=True, blank=True)
    # The regulator: whether it must be told, by when, and whether it was.
    notifiable = models.BooleanField(default=False, help_text="Must be notified to a regulator.")
    regulator_deadline = models.DateTimeField(null=True, blank=True)
    regulator_notified_at = models.DateTimeField(null=True, blank=True)
    regulator_reference = models.CharField(max_length=100, blank=True)
    regulator_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    regulator_overdue_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")  # fmt: skip
    closure_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records(excluded_fields=["regulator_warned_at", "regulator_overdue_at", "client_fingerprint"])

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(type__in=IncidentType.values), name="incidents_incident_type"),
            models.CheckConstraint(condition=Q(severity__in=Severity.values), name="incidents_incident_severity"),
            models.CheckConstraint(condition=Q(status__in=IncidentStatus.values), name="incidents_incident_status"),
            models.CheckConstraint(condition=~Q(injury=True, near_miss=True), name="incidents_injury_or_near_miss"),
            models.CheckConstraint(condition=~Q(type="near_miss") | Q(near_miss=True), name="incidents_near_miss_flag"),
            models.CheckConstraint(condition=~Q(type="injury") | Q(injury=True), name="incidents_injury_flag"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="incidents_position",
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False)
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="incidents_closed_when",
            ),
            models.CheckConstraint(
                condition=Q(notifiable=False) | Q(regulator_deadline__isnull=False),
                name="incidents_notifiable_deadline",
            ),
            models.UniqueConstraint(
                fields=["reported_by", "client_id"], name="incidents_client_id_once",
                condition=Q(client_id__isnull=False, reported_by__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["client_id"], name="incidents_client_id_once_integrations",
                condition=Q(client_id__isnull=False, reported_by__isnull=True),
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["status", "-occurred_at"], name="incidents_status_occurred"),
            models.Index(fields=["workplace", "-occurred_at"], name="incidents_workplace_occurred"),
            models.Index(fields=["reported_by", "-occurred_at"], name="incidents_reporter_occurred"),
            # The beat's sweep: notifiable incidents not yet notified, by deadline.
            models.Index(
                fields=["regulator_deadline"], name="incidents_regulator_due",
                condition=Q(notifiable=True, regulator_notified_at__isnull=True),
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        """The human reference, e.g. INC-000042 (the tenant schema's own id: numbered per organisation)."""
        return reference_of(self.pk)

    @property
    def is_open(self) -> bool:
        return self.status != IncidentStatus.CLOSED

    @property
    def is_serious(self) -> bool:
        return self.severity in SERIOUS


def reference_of(pk: int | None) -> str:
    return f"{REFERENCE_PREFIX}-{pk or 0:06d}"


def reference_parse(text: str) -> int | None:
    """42 from "INC-000042", "inc-42" or "42"; None when it is not a reference."""
    text = (text or "").strip().upper()
    if text.startswith(f"{REFERENCE_PREFIX}-"):
        text = text[len(REFERENCE_PREFIX) + 1 :]
    return int(text) if text.isdigit() and len(text) <= 12 else None


class IncidentPerson(models.Model):
    """Someone involved: a member of the organisation, or a name (a customer, a contractor)."""

    Role = PersonRole

    id = models.BigAutoField(primary_key=True)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="people")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")  # fmt: skip
    name = models.CharField(max_length=200, blank=True, help_text="For someone who is not a member.")
    role = models.CharField(max_length=10, choices=PersonRole.choices)
    notes = models.CharField(max_length=500, blank=True, help_text="E.g. the injury, or what they saw.")
    created_at = models.DateTimeField(auto_now_add=True)

    history = history_records()

    class Meta:
        ordering = ["incident", "role", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=PersonRole.values), name="incidents_person_role"),
            models.CheckConstraint(
                condition=Q(user__isnull=False, name="") | Q(user__isnull=True) & ~Q(name=""),
                name="incidents_person_member_or_name",
            ),
            models.UniqueConstraint(
                fields=["incident", "user", "role"], name="incidents_person_once", condition=Q(user__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.user_id} ({self.role})"


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", "Photo"
    FILE = "file", "File"


def attachment_path(instance: "IncidentAttachment", filename: str) -> str:
    """Stored through Django's storage API (object storage in production), per schema and incident."""
    from django.db import connection

    schema = getattr(connection, "schema_name", "public")
    return f"incidents/{schema}/{instance.incident_id}/{filename}"


class IncidentAttachment(models.Model):
    id = models.BigAutoField(primary_key=True)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=10, choices=AttachmentKind.choices, default=AttachmentKind.PHOTO)
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["incident", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AttachmentKind.values), name="incidents_attachment_kind"),
            models.CheckConstraint(condition=Q(size__gt=0), name="incidents_attachment_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class IncidentAction(models.Model):
    """A corrective action: a task of the task engine (`origin_kind` "incidents.action", `origin_id` the
    incident's id), linked here so the incident page shows each action's task and its status."""

    id = models.BigAutoField(primary_key=True)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="actions")
    task = models.OneToOneField("tasks.Task", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    history = history_records()

    class Meta:
        ordering = ["incident", "id"]

    def __str__(self) -> str:
        return f"{reference_of(self.incident_id)} action {self.task_id}"


class IncidentSettings(models.Model):
    """The organisation's regulator rules (one row per tenant schema; defaults when it has none): how long
    before a deadline the safety people are warned, and what is flagged notifiable when reported. The
    deadlines themselves are per incident type (`RegulatorDeadline`)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    warn_hours_before = models.PositiveSmallIntegerField(default=12)
    auto_notifiable = models.BooleanField(
        default=True,
        help_text="Flag injuries of high or critical severity, and every dangerous occurrence, as notifiable when "
        "they are reported.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        verbose_name_plural = "incident settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="incidents_settings_single"),
        ]

    def __str__(self) -> str:
        return "Incident settings"


# Hours after the incident, by type, until the organisation edits them (WHS regulators want serious injuries
# and dangerous incidents at once, RIDDOR within days): a starting point, set to your regulator's rules.
DEFAULT_DEADLINE_HOURS: dict[str, int] = {
    IncidentType.INJURY: 48,
    IncidentType.DANGEROUS_OCCURRENCE: 24,
    IncidentType.NEAR_MISS: 240,
    IncidentType.PROPERTY_DAMAGE: 240,
    IncidentType.SECURITY: 72,
    IncidentType.ENVIRONMENTAL: 24,
    IncidentType.OTHER: 72,
}
MAX_DEADLINE_HOURS = 8760  # a year


class RegulatorDeadline(models.Model):
    """How many hours after an incident of this type a notifiable one must be notified to the regulator
    (one row per type, seeded with `DEFAULT_DEADLINE_HOURS`, edited by tenant admins). The deadline is
    computed when an incident is flagged notifiable and stored on it: a later change here applies to
    incidents flagged from then on and never rewrites an existing incident's deadline."""

    id = models.BigAutoField(primary_key=True)
    incident_type = models.CharField(max_length=20, choices=IncidentType.choices)
    hours = models.PositiveIntegerField(help_text="Hours after the incident occurred.")
    rule = models.CharField(max_length=200, blank=True, help_text="The rule it follows, e.g. “WHS Act s38”.")
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["incident_type"]
        constraints = [
            models.UniqueConstraint(fields=["incident_type"], name="incidents_deadline_type_once"),
            models.CheckConstraint(condition=Q(incident_type__in=IncidentType.values), name="incidents_deadline_type"),
            models.CheckConstraint(
                condition=Q(hours__gte=1, hours__lte=MAX_DEADLINE_HOURS), name="incidents_deadline_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_incident_type_display()}: {self.hours} h"
