"""GDPR requests (access, rectification, erasure) and consent records (public schema)."""

import uuid
from datetime import datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.audit.history import history_records


class GdprRequestKind(models.TextChoices):
    ACCESS = "access", "Access (export)"
    RECTIFICATION = "rectification", "Rectification"
    ERASURE = "erasure", "Erasure"


class GdprRequestStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    REJECTED = "rejected", "Rejected"
    FAILED = "failed", "Failed"


OPEN_STATUSES = (GdprRequestStatus.RECEIVED, GdprRequestStatus.IN_PROGRESS)


class GdprRequestSource(models.TextChoices):
    ADMIN = "admin", "Staff admin"
    PORTAL = "portal", "Portal (the person)"
    API = "api", "API (the person)"


def due_at_for(requested_at: datetime) -> Any:
    """The deadline: `GDPR_REQUEST_DUE_MONTHS` calendar months after receipt (GDPR art. 12(3): one month)."""
    return requested_at + relativedelta(months=getattr(settings, "GDPR_REQUEST_DUE_MONTHS", 1))


def _due_at() -> object:
    return due_at_for(timezone.now())


class GdprRequest(models.Model):
    Kind = GdprRequestKind
    Status = GdprRequestStatus
    Source = GdprRequestSource

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(max_length=20, unique=True, editable=False, help_text="e.g. GDPR-000042.")
    # Kept after erasure: the user row is anonymised, never deleted.
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gdpr_requests")
    # HMAC of the subject's email at request time: proves whose request it was without keeping the email.
    subject_email_hash = models.CharField(max_length=64, blank=True, default="")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    requested_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(default=_due_at)
    overdue = models.BooleanField(default=False, help_text="Set by the daily overdue check.")
    completed_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Where the person asked (their portal or the API): that organisation's admins see the request.
    tenant = models.ForeignKey(
        "tenancy.Tenant", null=True, blank=True, on_delete=models.PROTECT, related_name="gdpr_requests",
        help_text="The organisation the person asked through (empty: registered by staff).",
    )  # fmt: skip
    source = models.CharField(max_length=10, choices=GdprRequestSource.choices, default=GdprRequestSource.ADMIN)
    progress = models.PositiveSmallIntegerField(default=0)
    progress_message = models.CharField(max_length=255, blank=True, default="")
    notes = models.TextField(blank=True, default="", help_text="For rectification: what must be corrected.")
    result_path = models.CharField(max_length=500, blank=True, default="")
    result_checksum = models.CharField(max_length=64, blank=True, default="")
    result_size = models.PositiveBigIntegerField(null=True, blank=True)
    result_expires_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True, default="")
    error = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records(excluded_fields=["progress", "progress_message", "updated_at"])

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = "GDPR request"
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=GdprRequestKind.values), name="gdpr_request_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=GdprRequestStatus.values), name="gdpr_request_status_valid"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="gdpr_request_progress_range"),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""), name="gdpr_request_rejected_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False),
                name="gdpr_request_completed_has_date",
            ),
            models.CheckConstraint(condition=Q(source__in=GdprRequestSource.values), name="gdpr_request_source_valid"),
            # One open request per person and kind (the service says so first; this holds under races).
            models.UniqueConstraint(
                fields=["subject", "kind"],
                condition=Q(status__in=["received", "in_progress"]),
                name="gdpr_request_one_open_per_kind",
                violation_error_message="This person already has an open request of this kind.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="gdpr_request_status_due"),
            models.Index(fields=["subject", "-requested_at"], name="gdpr_request_subject"),
            models.Index(fields=["tenant", "-requested_at"], name="gdpr_request_tenant"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.kind}, {self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()

    @property
    def download_ready(self) -> bool:
        return bool(
            self.kind == GdprRequestKind.ACCESS
            and self.status == GdprRequestStatus.COMPLETED
            and self.result_path
            and (self.result_expires_at is None or self.result_expires_at > timezone.now())
        )


class ConsentPurpose(models.TextChoices):
    MARKETING_EMAIL = "marketing_email", "Marketing emails"
    PRODUCT_ANALYTICS = "product_analytics", "Product analytics"
    PRODUCT_UPDATES = "product_updates", "Product update emails"
    THIRD_PARTY_SHARING = "third_party_sharing", "Sharing with partners"


class ConsentSource(models.TextChoices):
    PORTAL = "portal", "Portal"
    API = "api", "API"
    IMPORT = "import", "Import"
    ADMIN = "admin", "Admin"


class ConsentRecord(models.Model):
    """One grant or withdrawal; a person's current consent for a purpose is their latest record."""

    Purpose = ConsentPurpose
    Source = ConsentSource

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consent_records")
    tenant = models.ForeignKey(
        "tenancy.Tenant", null=True, blank=True, on_delete=models.PROTECT, related_name="consent_records"
    )
    purpose = models.CharField(max_length=40, choices=Purpose.choices)
    granted = models.BooleanField()
    granted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    evidence = models.JSONField(default=dict, blank=True, help_text="What was shown and accepted (text version, form).")
    created_at = models.DateTimeField(default=timezone.now)

    history = history_records()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(purpose__in=ConsentPurpose.values), name="gdpr_consent_purpose_valid"),
            models.CheckConstraint(condition=Q(source__in=ConsentSource.values), name="gdpr_consent_source_valid"),
            models.CheckConstraint(
                condition=(Q(granted=True, granted_at__isnull=False, withdrawn_at__isnull=True))
                | Q(granted=False, withdrawn_at__isnull=False),
                name="gdpr_consent_dates_match_state",
            ),
        ]
        indexes = [models.Index(fields=["user", "purpose", "-created_at"], name="gdpr_consent_latest")]

    def __str__(self) -> str:
        return f"{self.purpose}: {'granted' if self.granted else 'withdrawn'}"
