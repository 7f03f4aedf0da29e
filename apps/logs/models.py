"""Technical logs (public schema): API requests, application errors, archive manifests, alerts.

`ApiRequestLog` is a monthly RANGE-partitioned table on `created_at` (migration 0001 creates it by
hand; the database primary key is (id, created_at), Django only sees `id`). See docs/retention.md.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ApiRequestLog(models.Model):
    """One /api/ request: written in bulk from the Redis buffer by `logs.flush_api_requests`."""

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=10)
    # request.path only: the query string (which may carry secrets) is never logged.
    path = models.CharField(max_length=512)
    status_code = models.PositiveSmallIntegerField()
    duration_ms = models.PositiveIntegerField()
    tenant = models.ForeignKey(
        "tenancy.Tenant",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # The key row lives in the tenant's schema: keep its public prefix, never the secret.
    api_key_prefix = models.CharField(max_length=16, blank=True, default="")
    correlation_id = models.CharField(max_length=128, blank=True, default="")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=256, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API request"
        constraints = [
            models.CheckConstraint(
                condition=Q(status_code__gte=100, status_code__lte=599), name="logs_apirequest_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["created_at"], name="logs_apirequest_created"),
            models.Index(fields=["tenant", "-created_at"], name="logs_apirequest_tenant_time"),
            models.Index(fields=["correlation_id"], name="logs_apirequest_correlation"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status_code}"


class ApplicationErrorSource(models.TextChoices):
    REQUEST = "request", "Request"
    TASK = "task", "Celery task"
    ALERT = "alert", "Operational alert"


class ApplicationError(models.Model):
    """One unhandled exception (one row per occurrence; `fingerprint` groups the same error)."""

    Source = ApplicationErrorSource

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.REQUEST)
    tenant = models.ForeignKey(
        "tenancy.Tenant", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    correlation_id = models.CharField(max_length=128, blank=True, default="", db_index=True)
    # Request path (no query string) or the Celery task name.
    path = models.CharField(max_length=512, blank=True, default="")
    method = models.CharField(max_length=10, blank=True, default="")
    exception_class = models.CharField(max_length=255)
    message = models.TextField(blank=True, default="")
    traceback = models.TextField(blank=True, default="")
    fingerprint = models.CharField(max_length=64, db_index=True, help_text="SHA-256 of the class and frames.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=ApplicationErrorSource.values), name="logs_apperror_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exception_class}: {self.message[:80]}"


class LogTable(models.TextChoices):
    API_REQUEST = "api_request", "API requests"
    APPLICATION_ERROR = "application_error", "Application errors"
    AUTH_EVENT = "auth_event", "Auth events"
    EMAIL_DELIVERY = "email_delivery", "Email deliveries"


class LogArchiveStatus(models.TextChoices):
    # The manifest row exists; the file is being (re)written. Nothing deleted yet.
    PENDING = "pending", "Pending"
    # File written and its checksum verified; rows up to last_id are being deleted.
    WRITTEN = "written", "Written, deleting rows"
    COMPLETE = "complete", "Complete"


class LogArchive(models.Model):
    """Manifest of one archive file: one table, one day of rows (a later part if rows arrived late)."""

    Table = LogTable
    Status = LogArchiveStatus

    id = models.BigAutoField(primary_key=True)
    table = models.CharField(max_length=20, choices=Table.choices)
    range_start = models.DateTimeField()
    range_end = models.DateTimeField()
    part = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    row_count = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    path = models.CharField(max_length=500, blank=True, default="", help_text="Relative to ARCHIVE_ROOT.")
    # Highest id written to the file: the delete step removes rows of the range up to it only.
    last_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-range_start", "table", "-part"]
        constraints = [
            models.UniqueConstraint(fields=["table", "range_start", "part"], name="logs_archive_unique_chunk"),
            models.CheckConstraint(condition=Q(table__in=LogTable.values), name="logs_archive_table_valid"),
            models.CheckConstraint(condition=Q(status__in=LogArchiveStatus.values), name="logs_archive_status_valid"),
            models.CheckConstraint(condition=Q(range_end__gt=models.F("range_start")), name="logs_archive_range"),
            models.CheckConstraint(
                condition=Q(status="pending") | (~Q(sha256="") & ~Q(path="")), name="logs_archive_written_has_file"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.table} {self.range_start:%Y-%m-%d} part {self.part} ({self.status})"


class AlertKind(models.TextChoices):
    AUDIT_CHAIN_BROKEN = "audit_chain_broken", "Audit chain broken"


class AlertSeverity(models.TextChoices):
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class OperationalAlert(models.Model):
    """Something staff must look at (raised by nightly checks). One open alert per (kind, key)."""

    Kind = AlertKind
    Severity = AlertSeverity

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    key = models.CharField(max_length=200, blank=True, default="", help_text="What it is about, e.g. the chain.")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.CRITICAL)
    message = models.TextField()
    correlation_id = models.CharField(max_length=128, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AlertKind.values), name="logs_alert_kind_valid"),
            models.CheckConstraint(condition=Q(severity__in=AlertSeverity.values), name="logs_alert_severity_valid"),
            models.UniqueConstraint(
                fields=["kind", "key"], condition=Q(resolved_at__isnull=True), name="logs_alert_one_open_per_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.key}"
