"""Writes of the notifications engine: the public API other code calls.

    notify(*, event: str, tenant, payload: dict, recipients: Iterable[UUID | str] | None = None) -> int
        Fan one event out to its notices' recipients (deliveries created; 0 on a re-publication).
        Called by the domain-event subscriber; callable directly. Sending goes to Celery in chunks.
    notification_mark_read(*, user, ids: list[int] | None = None, all: bool = False) -> int
    preference_set(*, user, category: str, channel: str, enabled: bool, acting_user) -> NotificationPreference
    quiet_hours_set(*, user, start: time | None, end: time | None, time_zone: str, acting_user) -> QuietHours | None
        (start or end None: quiet hours off)
    digest_set(*, user, category: str, frequency: str, acting_user) -> DigestChoice   ("none"/"daily"/"weekly")
    tenant_default_set(*, category: str, channel: str, enabled: bool, acting_user) -> TenantNotificationDefault
    template_override_set(*, event, channel, language, title, body, acting_user) -> NotificationTemplate
    template_override_reset(*, event, channel, language, acting_user) -> bool
        In a tenant schema: that tenant's override; in the public schema: the platform default.
    template_preview(*, event, channel, language, title=None, body=None) -> {"title", "body", "source"}
    delivery_retry(*, delivery_ids: list[int], acting_user) -> int

Bad input raises django.core.exceptions.ValidationError with the reason (unknown category, channel
or event, a critical channel switched off, a template that does not compile or render, a bad time
zone); nothing is written then. Person-level writes keep history (simple-history); tenant defaults
and templates are audited as well (apps/audit/writes.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from apps.audit import writes
from apps.audit.services import audit_record
from apps.tenancy.context import connection_tenant

from . import registry, rendering, tasks, timing
from .fanout import FanOut
from .models import (
    Channel,
    Delivery,
    DeliveryStatus,
    DigestChoice,
    DigestFrequency,
    Notification,
    NotificationPreference,
    NotificationTemplate,
    QuietHours,
    TenantNotificationDefault,
)

TEMPLATE_AUDITED = ("event", "channel", "language", "title", "body", "is_active")
DEFAULT_AUDITED = ("category", "channel", "enabled")


# --- Fan-out ---------------------------------------------------------------------------------------


def notify(
    *,
    event: str,
    tenant: Any,
    payload: dict[str, Any],
    recipients: Iterable[Any] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Tell `event` to its recipients (given, or each notice's `recipients(tenant, payload)`).

    Writes in the tenant's schema (the public one for tenant=None: email only); returns the
    deliveries created, 0 when the same event was already told (same `event_id`, or same payload)."""
    notices = registry.notices_for(event)
    if not notices:
        raise ValidationError(f"No notice is declared for the event “{event}”.", code="unknown_event")
    given = list(recipients) if recipients is not None else None
    created = 0
    with _schema_of(tenant):
        for notice in notices:
            count, pending = FanOut(notice, tenant=tenant, payload=payload, now=now).run(given)
            created += count
            deliveries_enqueue(tenant, pending)
    return created


def _schema_of(tenant: Any) -> Any:
    return tenant_context(tenant) if tenant is not None else schema_context(get_public_schema_name())


def deliveries_enqueue(tenant: Any, ids: list[int]) -> int:
    """Hand `ids` to the sending task in chunks after the current transaction commits (tasks.enqueue)."""
    return tasks.enqueue(tenant, ids)


# --- The inbox -------------------------------------------------------------------------------------


def notification_mark_read(*, user: Any, ids: list[int] | None = None, all: bool = False) -> int:
    """Mark the person's unread notifications `ids` (or all of them) read; returns how many changed.
    Someone else's ids are ignored, never an error (the same answer as missing)."""
    if not all and not ids:
        return 0
    rows = Notification.objects.filter(recipient=user, in_inbox=True, read_at__isnull=True)
    if not all:
        rows = rows.filter(pk__in=[int(pk) for pk in ids or []])
    return rows.update(read_at=timezone.now())


# --- Preferences -----------------------------------------------------------------------------------


def _person_channel(channel: str) -> str:
    registry.channel_check(channel)
    if channel == Channel.WEBHOOK:
        raise ValidationError(
            "The webhook channel is the organisation's (its webhook endpoints), not a person's: "
            "an admin sets it in the organisation's defaults.",
            code="tenant_channel",
        )
    return channel


@transaction.atomic
def preference_set(
    *, user: Any, category: str, channel: str, enabled: bool, acting_user: Any
) -> NotificationPreference:
    found = registry.category(category)
    _person_channel(channel)
    if not enabled and found.critical and channel in found.default_channels:
        raise ValidationError(f"“{found.label}” is critical: {channel} cannot be switched off.", code="critical_locked")
    row = NotificationPreference.objects.select_for_update().filter(user=user, category=category, channel=channel)
    preference = row.first() or NotificationPreference(user=user, category=category, channel=channel)
    preference.enabled = bool(enabled)
    return writes.save(preference, acting_user=acting_user)


@transaction.atomic
def quiet_hours_set(
    *, user: Any, start: dt.time | None, end: dt.time | None, time_zone: str, acting_user: Any
) -> QuietHours | None:
    """Set the person's quiet hours (local `start`-`end` in `time_zone`); start or end None: off."""
    existing = QuietHours.objects.select_for_update().filter(user=user).first()
    if start is None or end is None:
        if existing is not None:
            existing._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
            existing.delete()
        return None
    if timing.zone(time_zone) is None:
        raise ValidationError({"time_zone": f"Unknown time zone “{time_zone}”."}, code="bad_time_zone")
    start, end = timing.as_time(start), timing.as_time(end)
    if start == end:
        raise ValidationError("Quiet hours must start and end at different times.", code="quiet_empty")
    quiet = existing or QuietHours(user=user)
    quiet.start, quiet.end, quiet.time_zone = start, end, time_zone
    return writes.save(quiet, acting_user=acting_user)


@transaction.atomic
def digest_set(*, user: Any, category: str, frequency: str, acting_user: Any) -> DigestChoice:
    found = registry.category(category)
    if frequency not in DigestFrequency.values:
        raise ValidationError(
            f"Unknown digest frequency “{frequency}”. Known: {', '.join(DigestFrequency.values)}.", code="bad_frequency"
        )
    if found.critical and frequency != DigestFrequency.NONE:
        raise ValidationError(f"“{found.label}” is critical: its messages are never held for a digest.",
                              code="critical_locked")  # fmt: skip
    choice = DigestChoice.objects.select_for_update().filter(user=user, category=category).first()
    choice = choice or DigestChoice(user=user, category=category)
    choice.frequency = frequency
    return writes.save(choice, acting_user=acting_user)


@transaction.atomic
def tenant_default_set(*, category: str, channel: str, enabled: bool, acting_user: Any) -> TenantNotificationDefault:
    """The organisation's default for a category on a channel (people's own choices still win)."""
    found = registry.category(category)
    registry.channel_check(channel)
    if not enabled and found.critical and channel in found.default_channels:
        raise ValidationError(f"“{found.label}” is critical: {channel} cannot be switched off.", code="critical_locked")
    row = TenantNotificationDefault.objects.select_for_update().filter(category=category, channel=channel).first()
    before = writes.snapshot(row, DEFAULT_AUDITED) if row else None
    row = row or TenantNotificationDefault(category=category, channel=channel)
    row.enabled, row.updated_by = bool(enabled), writes.history_user(acting_user)
    return writes.save_audited(row, action="notifications.default_set", acting_user=acting_user,
                               tenant=connection_tenant(), fields=DEFAULT_AUDITED, before=before)  # fmt: skip


# --- Templates -------------------------------------------------------------------------------------


def _template_check(event: str, channel: str, language: str) -> None:
    registry.notice(event)
    registry.channel_check(channel)
    if not language or len(language) > 10:
        raise ValidationError({"language": "Give a language code such as “en” or “fr”."}, code="bad_language")


def template_preview(
    *, event: str, channel: str, language: str, title: str | None = None, body: str | None = None
) -> dict[str, str]:
    """The message rendered with sample data (the webhook catalogue's sample payload of the event when
    there is one; unknown names show as [name]). Without title/body: the text in force here."""
    _template_check(event, channel, language)
    notice = registry.notice(event)
    tenant = connection_tenant()
    source = "draft"
    if title is None or body is None:
        found = rendering.Renderer(notice, tenant=tenant).sources(channel, language)[0]
        title, body, source = found.title, found.body, found.level
    try:
        rendered = rendering.render_preview(title, body, registry.sample_payload(event), tenant=tenant, recipient=None)
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError(
            f"The template does not render: {type(exc).__name__}: {exc}", code="template_render"
        ) from exc
    return {**rendered, "source": source}


@transaction.atomic
def template_override_set(
    *, event: str, channel: str, language: str, title: str, body: str, acting_user: Any
) -> NotificationTemplate:
    """Save the override (tenant schema) or platform default (public schema) after rendering it with
    sample data; a template that does not compile or render is refused with the reason."""
    template_preview(event=event, channel=channel, language=language, title=title, body=body)
    row = (
        NotificationTemplate.objects.select_for_update().filter(event=event, channel=channel, language=language).first()
    )
    before = writes.snapshot(row, TEMPLATE_AUDITED) if row else None
    row = row or NotificationTemplate(event=event, channel=channel, language=language)
    row.title, row.body, row.is_active = title, body, True
    row.last_error, row.last_error_at, row.updated_by = "", None, writes.history_user(acting_user)
    row = writes.save_audited(row, action="notifications.template_set", acting_user=acting_user,
                              tenant=connection_tenant(), fields=TEMPLATE_AUDITED, before=before)  # fmt: skip
    if rendering.current_schema() == get_public_schema_name():
        transaction.on_commit(rendering.platform_cache_clear)
    return row


@transaction.atomic
def template_override_reset(*, event: str, channel: str, language: str, acting_user: Any) -> bool:
    """Remove the override (back to the platform's default); False when there was none."""
    row = (
        NotificationTemplate.objects.select_for_update().filter(event=event, channel=channel, language=language).first()
    )
    if row is None:
        return False
    before = writes.snapshot(row, TEMPLATE_AUDITED)
    audit_record(action="notifications.template_reset", acting_user=acting_user, tenant=connection_tenant(),
                 target=row, before=before, after=None)  # fmt: skip
    row._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    row.delete()
    if rendering.current_schema() == get_public_schema_name():
        transaction.on_commit(rendering.platform_cache_clear)
    return True


# --- Failed deliveries -----------------------------------------------------------------------------


@transaction.atomic
def delivery_retry(*, delivery_ids: list[int], acting_user: Any) -> int:
    """Send failed deliveries again now (an admin's retry: attempts start again); returns how many."""
    rows = Delivery.objects.select_for_update().filter(pk__in=delivery_ids, status=DeliveryStatus.FAILED)
    ids = list(rows.values_list("pk", flat=True))
    if not ids:
        return 0
    Delivery.objects.filter(pk__in=ids).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=None, claimed_at=None, updated_at=timezone.now()
    )
    tenant = connection_tenant()
    audit_record(action="notifications.deliveries_retried", acting_user=acting_user, tenant=tenant,
                 target_type="notifications.delivery", target_id=",".join(map(str, ids[:50])),
                 after={"deliveries": len(ids)})  # fmt: skip
    deliveries_enqueue(tenant, ids)
    return len(ids)
