"""Notifications: templates, the inbox, deliveries per channel, preferences, quiet hours, digests.

The app is installed in both schemas (like django.contrib.admin):

- public: the platform's default templates (`NotificationTemplate`, edited by staff), the
  notifications and deliveries of platform events (tenant=None: email only), the daily counters
  of messages sent per tenant and channel (`NotificationUsageDaily`, read by tenancy's usage) and
  the per-tenant "work is due at" marks the sweep reads (`TenantNotificationWork`);
- each tenant schema: the tenant's template overrides, people's preferences, quiet hours and
  digest choices, tenant defaults, the inbox (`Notification`) and deliveries (`Delivery`).

The public-only tables exist (empty) in tenant schemas too, and the tenant tables in public: one
app, one set of migrations. See docs/notifications.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.audit.history import history_records
from apps.core.contributions import NOTIFICATION_CHANNELS


class Channel(models.TextChoices):
    IN_APP = "in_app", "In-app"
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    WHATSAPP = "whatsapp", "WhatsApp"
    WEBHOOK = "webhook", "Webhook"


assert tuple(Channel.values) == NOTIFICATION_CHANNELS, "Channel must list apps.core's NOTIFICATION_CHANNELS"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    HELD = "held", "Held (quiet hours)"
    DIGESTED = "digested", "Waiting for a digest"
    SKIPPED = "skipped", "Skipped"


class DigestFrequency(models.TextChoices):
    NONE = "none", "Each message"
    DAILY = "daily", "Daily digest"
    WEEKLY = "weekly", "Weekly digest"


def _channel_valid(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(channel__in=Channel.values), name=name)


class NotificationTemplate(models.Model):
    """The title and body of an event's message on one channel in one language.

    In public: the platform's default (staff edit it in the admin); in a tenant schema: that
    tenant's override. Rendering takes the tenant's, else the platform's, else the `Notice`'s own
    title and body; a template that fails to render records the error here and the next level is used.
    """

    id = models.BigAutoField(primary_key=True)
    event = models.CharField(max_length=100, help_text="The domain event, e.g. “invitation.created”.")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    language = models.CharField(max_length=10, default="en")
    title = models.CharField(max_length=255, help_text="Subject line; Django template language.")
    body = models.TextField(help_text="Django template language; the event's payload is the context.")
    is_active = models.BooleanField(default=True)
    last_error = models.TextField(blank=True, default="", help_text="The last rendering failure, if any.")
    last_error_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records(excluded_fields=["last_error", "last_error_at"])

    class Meta:
        ordering = ["event", "channel", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "channel", "language"], name="notifications_template_event_channel_language"
            ),
            _channel_valid("notifications_template_channel_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.channel} · {self.language}"


class Notification(models.Model):
    """One event told to one recipient: the in-app message (`in_inbox`) and the unit each channel's
    `Delivery` sends. A recipient is a user, or an address for someone without an account
    (`recipient_key` "u:<user id>" or "e:<address>"); one row per (event, recipient) whatever the retries."""

    id = models.BigAutoField(primary_key=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(max_length=254, blank=True, default="")
    recipient_key = models.CharField(max_length=270)
    event = models.CharField(max_length=100)
    event_key = models.CharField(max_length=64, help_text="sha256 of the event and its payload, or its event_id.")
    category = models.CharField(max_length=50)
    critical = models.BooleanField(default=False)
    title = models.CharField(max_length=255)
    body = models.TextField(blank=True, default="")
    url = models.CharField(max_length=500, blank=True, default="")
    payload = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=10, default="en")
    in_inbox = models.BooleanField(default=True, help_text="Shown in the person's in-app inbox.")
    created_at = models.DateTimeField(default=timezone.now)  # the fan-out's clock (digest periods follow it)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event_key", "recipient_key"], name="notifications_notification_once"),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(address=""), name="notifications_notification_has_recipient"
            ),
            models.CheckConstraint(
                condition=Q(in_inbox=False) | Q(recipient__isnull=False), name="notifications_inbox_needs_user"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notifications_inbox"),
            # Unread count: an index-only scan of one person's unread rows.
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True, in_inbox=True), name="notifications_unread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.recipient_key}"


class Delivery(models.Model):
    """One notification sent on one channel: one row per (event, recipient, channel), whatever the
    retries (`event_key`, `recipient_key` and `channel` are unique together)."""

    Status = DeliveryStatus

    id = models.BigAutoField(primary_key=True)
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    event_key = models.CharField(max_length=64)
    recipient_key = models.CharField(max_length=270)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True, default="")
    digest = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="digest_items",
        help_text="The digest delivery that carried this one.",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "recipient_key", "channel"], name="notifications_delivery_once"
            ),
            _channel_valid("notifications_delivery_channel_valid"),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="notifications_delivery_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="notifications_delivery_sent_has_date"
            ),
        ]
        indexes = [
            # The sweep's "what is due": held and retried rows by time, stale claims.
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=Q(status__in=["pending", "sending", "held", "failed", "digested"]),
                name="notifications_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.recipient_key} ({self.status})"


class NotificationPreference(models.Model):
    """A person's choice for one category on one channel (beats the tenant default and the category's)."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=50)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    enabled = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["user", "category", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["user", "category", "channel"], name="notifications_preference_once"),
            _channel_valid("notifications_preference_channel_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.category}/{self.channel}: {'on' if self.enabled else 'off'}"


class TenantNotificationDefault(models.Model):
    """The tenant's default for one category on one channel (beats the category's own default)."""

    id = models.BigAutoField(primary_key=True)
    category = models.CharField(max_length=50)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    enabled = models.BooleanField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["category", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["category", "channel"], name="notifications_tenant_default_once"),
            _channel_valid("notifications_tenant_default_channel_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.category}/{self.channel}: {'on' if self.enabled else 'off'}"


class QuietHours(models.Model):
    """A person's quiet hours, local times in `time_zone` (an end before the start crosses midnight)."""

    id = models.BigAutoField(primary_key=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    start = models.TimeField()
    end = models.TimeField()
    time_zone = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        verbose_name_plural = "quiet hours"
        constraints = [
            models.CheckConstraint(condition=~Q(start=models.F("end")), name="notifications_quiet_not_empty")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.start:%H:%M}-{self.end:%H:%M} {self.time_zone}"


class DigestChoice(models.Model):
    """A person's digest choice for one category: each message, or a daily or weekly digest."""

    Frequency = DigestFrequency

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=50)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.NONE)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["user", "category"]
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="notifications_digest_choice_once"),
            models.CheckConstraint(
                condition=Q(frequency__in=DigestFrequency.values), name="notifications_digest_frequency_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.category}: {self.frequency}"


class NotificationUsageDaily(models.Model):
    """Messages sent per tenant, channel and UTC day (public schema; incremented per sent chunk), so
    the daily usage reads one table instead of every tenant schema."""

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    date = models.DateField()
    sent = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-date", "tenant", "channel"]
        verbose_name_plural = "notification usage (daily)"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "channel", "date"], name="notifications_usage_once"),
            _channel_valid("notifications_usage_channel_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.channel} {self.date}: {self.sent}"


class TenantNotificationWork(models.Model):
    """When a tenant next has held, retried, stale or digest work (public schema): the sweep visits
    only the tenants whose time has come, not every schema every few minutes."""

    tenant = models.OneToOneField("tenancy.Tenant", primary_key=True, on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.tenant_id} due {self.due_at:%Y-%m-%d %H:%M}"
