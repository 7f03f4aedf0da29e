"""Outbound webhooks (public schema): endpoints (the platform's own when `tenant` is null, else one
tenant's), the events emitted, one delivery per (event, endpoint) and every attempt of a delivery.

Signing secrets are encrypted at rest (apps/core/crypto.py). A rotated secret stays valid until
`previous_secret_expires_at`, and deliveries are signed with both until then (docs/webhooks.md).
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.lookups import Regex

from apps.audit.history import history_records

from .catalogue import NAME_PATTERN

# Event type names have the "noun.verb" format; which ones exist is declared by the apps (catalogue.py)
# and checked by the services, so a new event type needs no migration here.
_NAME = NAME_PATTERN.strip("^$")
EVENTS_JOINED_PATTERN = f"^{_NAME}(,{_NAME})*$"
_EVENTS_JOINED = models.Func(
    models.F("enabled_events"), models.Value(","), function="array_to_string", output_field=models.TextField()
)


class WebhookEndpoint(models.Model):
    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tenant = models.ForeignKey(
        "tenancy.Tenant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        help_text="Empty for the platform's own endpoints (they also receive every tenant's events).",
    )
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True, default="")
    enabled_events = ArrayField(models.CharField(max_length=64), default=list)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=255, blank=True, default="")
    disabled_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(
        default=0, help_text="Deliveries that failed for good in a row; reset by any success."
    )
    secret_encrypted = models.TextField(editable=False)
    secret_hint = models.CharField(max_length=16, blank=True, default="", editable=False)
    previous_secret_encrypted = models.TextField(blank=True, default="", editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records(excluded_fields=["secret_encrypted", "previous_secret_encrypted"])

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(enabled_events__len__gt=0) & Q(Regex(_EVENTS_JOINED, EVENTS_JOINED_PATTERN)),
                name="webhooks_endpoint_events_format",
                violation_error_message="Choose at least one event type from the catalogue.",
            ),
            models.CheckConstraint(
                condition=Q(enabled=True, disabled_at__isnull=True) | Q(enabled=False, disabled_at__isnull=False),
                name="webhooks_endpoint_disabled_at_iff_disabled",
            ),
            models.CheckConstraint(
                condition=Q(previous_secret_encrypted="") | Q(previous_secret_expires_at__isnull=False),
                name="webhooks_endpoint_previous_secret_expires",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "created_at", "id"], name="webhooks_endpoint_tenant")]

    def __str__(self) -> str:
        return self.description or self.url


class WebhookEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(
        "tenancy.Tenant", on_delete=models.CASCADE, null=True, blank=True, related_name="webhook_events"
    )
    type = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(type__regex=NAME_PATTERN), name="webhooks_event_type_format"),
        ]
        indexes = [models.Index(fields=["tenant", "created_at"], name="webhooks_event_tenant")]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    RETRYING = "retrying", "Retrying"
    FAILED = "failed", "Failed"


OPEN_STATUSES = [DeliveryStatus.PENDING, DeliveryStatus.RETRYING]


class WebhookDelivery(models.Model):
    Status = DeliveryStatus

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tenant = models.ForeignKey(
        "tenancy.Tenant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_deliveries",
        help_text="The endpoint's tenant (empty for platform endpoints).",
    )
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    replay_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replays")
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="webhooks_delivery_status_valid"
            ),
            # Open deliveries always have a due time; closed ones never do (the retry index relies on it).
            models.CheckConstraint(
                condition=Q(status__in=OPEN_STATUSES, next_attempt_at__isnull=False)
                | (~Q(status__in=OPEN_STATUSES) & Q(next_attempt_at__isnull=True)),
                name="webhooks_delivery_next_attempt_iff_open",
            ),
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.SUCCEEDED) | Q(delivered_at__isnull=False),
                name="webhooks_delivery_succeeded_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(status__in=OPEN_STATUSES), name="webhooks_delivery_due"
            ),
            models.Index(fields=["tenant", "created_at", "id"], name="webhooks_delivery_tenant"),
            models.Index(fields=["endpoint", "created_at", "id"], name="webhooks_delivery_endpoint"),
            models.Index(fields=["status", "created_at"], name="webhooks_delivery_status"),
        ]

    def __str__(self) -> str:
        return f"{self.uuid} ({self.status})"


class WebhookAttempt(models.Model):
    id = models.BigAutoField(primary_key=True)
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.CharField(max_length=500, blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-attempted_at", "-id"]
        indexes = [models.Index(fields=["delivery", "attempted_at"], name="webhooks_attempt_delivery")]

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.attempted_at:%Y-%m-%d %H:%M:%S}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
