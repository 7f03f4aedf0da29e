"""Reads of the notifications engine (the portal and API of apps/notifications call these).

    inbox(user, *, unread_only: bool = False) -> QuerySet[Notification]      newest first
    unread_count(user) -> int                 capped at UNREAD_CAP (an index-only count)
    unread_badge(user) -> str                 "" / "7" / "99+"
    preferences_for(user) -> list[dict]       categories x channels, effective values, critical locked
    quiet_hours_for(user) -> QuietHours | None
    tenant_defaults() -> list[dict]           categories x channels with the tenant's default
    failed_deliveries(*, channel=None, event=None) -> QuerySet[Delivery]   for tenant admins
    deliveries_of(notification) -> QuerySet[Delivery]
    notices_catalogue() -> list[dict]         declared events: category, channels, critical, description
    templates_in_force(event) -> list[dict]   per channel: the source (tenant/platform/notice) in force

Everything reads the current schema (the tenant's, or public for platform events).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.core.contributions import NOTIFICATION_CHANNELS, Notice, contributions

from . import registry
from .fanout import channel_enabled
from .models import (
    Channel,
    Delivery,
    DeliveryStatus,
    DigestChoice,
    Notification,
    NotificationPreference,
    NotificationTemplate,
    QuietHours,
    TenantNotificationDefault,
)
from .rendering import platform_templates

UNREAD_CAP = 100
PERSON_CHANNELS = tuple(c for c in NOTIFICATION_CHANNELS if c != Channel.WEBHOOK)


def inbox(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    rows = Notification.objects.filter(recipient=user, in_inbox=True)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-id").defer("payload")


def unread_count(user: Any) -> int:
    """Unread in-app notifications, counted up to UNREAD_CAP (the partial index, never a full count)."""
    if not getattr(user, "pk", None):
        return 0
    rows = Notification.objects.filter(recipient=user, in_inbox=True, read_at__isnull=True).values("pk")
    return rows[:UNREAD_CAP].count()  # COUNT over a LIMIT subquery: bounded whatever the backlog


def unread_badge(user: Any) -> str:
    count = unread_count(user)
    if count >= UNREAD_CAP:
        return f"{UNREAD_CAP - 1}+"
    return str(count) if count else ""


def _source(person: bool | None, tenant: bool | None) -> str:
    return "person" if person is not None else "tenant" if tenant is not None else "default"


def preferences_for(user: Any) -> list[dict[str, Any]]:
    """Each category with each person channel: `enabled` (in effect), `locked` (critical default),
    `source` ("person", "tenant", "default" or "critical"); and the person's `digest` choice."""
    mine = {(p.category, p.channel): p.enabled for p in NotificationPreference.objects.filter(user=user)}
    defaults = {(d.category, d.channel): d.enabled for d in TenantNotificationDefault.objects.all()}
    digests = dict(DigestChoice.objects.filter(user=user).values_list("category", "frequency"))
    matrix = []
    for category in registry.categories().values():
        channels = []
        for channel in PERSON_CHANNELS:
            locked = category.critical and channel in category.default_channels
            person, tenant = mine.get((category.key, channel)), defaults.get((category.key, channel))
            enabled = channel_enabled(channel=channel, category_default=category.default_channels,
                                      critical=category.critical, person=person, tenant=tenant)  # fmt: skip
            source = "critical" if locked else _source(person, tenant)
            channels.append({"channel": channel, "enabled": enabled, "locked": locked, "source": source})
        matrix.append({"key": category.key, "label": category.label, "critical": category.critical,
                       "description": category.description, "channels": channels,
                       "digest": "none" if category.critical else digests.get(category.key, "none")})  # fmt: skip
    return matrix


def quiet_hours_for(user: Any) -> QuietHours | None:
    return QuietHours.objects.filter(user=user).first()


def tenant_defaults() -> list[dict[str, Any]]:
    defaults = {(d.category, d.channel): d.enabled for d in TenantNotificationDefault.objects.all()}
    rows = []
    for category in registry.categories().values():
        channels = []
        for channel in NOTIFICATION_CHANNELS:
            locked = category.critical and channel in category.default_channels
            chosen = defaults.get((category.key, channel))
            enabled = True if locked else chosen if chosen is not None else channel in category.default_channels
            channels.append({"channel": channel, "enabled": enabled, "locked": locked, "set": chosen is not None})
        rows.append({"key": category.key, "label": category.label, "critical": category.critical, "channels": channels})
    return rows


def failed_deliveries(*, channel: str | None = None, event: str | None = None) -> QuerySet[Delivery]:
    """Failed deliveries, newest first (`next_attempt_at` set: a retry is scheduled; None: given up)."""
    rows = Delivery.objects.filter(status=DeliveryStatus.FAILED).select_related("notification__recipient")
    if channel:
        rows = rows.filter(channel=channel)
    if event:
        rows = rows.filter(notification__event=event)
    return rows.order_by("-updated_at", "-id")


def deliveries_of(notification: Notification) -> QuerySet[Delivery]:
    return Delivery.objects.filter(notification=notification).order_by("channel")


def notices_catalogue() -> list[dict[str, Any]]:
    rows = []
    for notice in contributions(Notice):
        category = registry.categories().get(notice.category)
        rows.append({"event": notice.event, "category": notice.category,
                     "category_label": category.label if category else notice.category,
                     "channels": list(registry.notice_channels(notice)), "critical": registry.is_critical(notice),
                     "description": notice.description})  # fmt: skip
    return rows


def templates_in_force(event: str, language: str = "en") -> list[dict[str, Any]]:
    """Per channel of the event's notice: which level's text is used here, and the tenant's row."""
    notice = registry.notice(event)
    tenant_rows = {(t.channel, t.language): t for t in NotificationTemplate.objects.filter(event=event)}
    platform_rows = platform_templates(event)
    rows = []
    for channel in registry.notice_channels(notice):
        own = tenant_rows.get((channel, language))
        source = ("tenant" if own is not None and own.is_active else
                  "platform" if (channel, language) in platform_rows else "notice")  # fmt: skip
        rows.append({"channel": channel, "language": language, "source": source, "override": own})
    return rows
