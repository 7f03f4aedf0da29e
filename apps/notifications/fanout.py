"""Fan-out: one published event becomes Notification and Delivery rows for every recipient, in bulk.

For one (notice, tenant, payload) the work is a constant number of queries whatever the number of
recipients: the active members among them (one), their profiles (one), preferences, tenant
defaults, quiet hours and digest choices (one each), the templates (one, the platform's cached),
then bulk inserts with ON CONFLICT DO NOTHING on the unique keys, and the ids of the pending rows
(one). Sending is handed to Celery in chunks (`NOTIFICATIONS_CHUNK_SIZE` deliveries per task).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Membership, User
from apps.core.contributions import Notice, resolve
from apps.core.events import publish
from apps.organisation.models import MemberProfile

from . import registry, timing, work
from .channels import phone_e164
from .models import (
    Channel,
    Delivery,
    DeliveryStatus,
    DigestChoice,
    Notification,
    NotificationPreference,
    QuietHours,
    TenantNotificationDefault,
)
from .rendering import Renderer

PUSH_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.WHATSAPP)  # what quiet hours and digests hold back
BULK_BATCH = 2000


def event_key(event: str, payload: dict[str, Any]) -> str:
    """The identity of one publication: its `event_id` when the payload carries one, else a hash of
    the event name and the canonical JSON of the payload (a re-publication is the same event)."""
    if payload.get("event_id"):
        source = f"{event}\n{payload['event_id']}"
    else:
        source = f"{event}\n{json.dumps(payload, sort_keys=True, cls=DjangoJSONEncoder, separators=(',', ':'))}"
    return hashlib.sha256(source.encode()).hexdigest()


@dataclass
class Person:
    user_id: uuid.UUID
    email: str
    time_zone: str
    preferences: dict[str, Any] = field(default_factory=dict)

    @property
    def recipient_key(self) -> str:
        return f"u:{self.user_id}"


@dataclass
class Choices:
    """Everyone's settings for one category, read in bulk."""

    preferences: dict[tuple[uuid.UUID, str], bool]
    defaults: dict[str, bool]
    quiet: dict[uuid.UUID, QuietHours]
    digests: dict[uuid.UUID, str]


@dataclass
class Plan:
    """The rows one fan-out writes, and what it learned."""

    notifications: list[Notification] = field(default_factory=list)
    deliveries: dict[str, list[Delivery]] = field(default_factory=dict)  # by recipient_key
    due: list[dt.datetime] = field(default_factory=list)


def split_recipients(recipients: Iterable[Any]) -> tuple[list[uuid.UUID], list[str]]:
    """User ids (accounts.User's pk is a UUID: a UUID or its text) and email addresses (text with "@");
    anything else is ignored."""
    user_ids: list[uuid.UUID] = []
    addresses: list[str] = []
    for item in recipients:
        if isinstance(item, uuid.UUID):
            user_ids.append(item)
        elif isinstance(item, str) and "@" in item:
            addresses.append(item.strip().lower())
        elif isinstance(item, str):
            try:
                user_ids.append(uuid.UUID(item))
            except ValueError:
                continue
    return list(dict.fromkeys(user_ids)), list(dict.fromkeys(addresses))


def people(tenant: Any, user_ids: list[uuid.UUID]) -> list[Person]:
    """The recipients who are active members of `tenant` (one query; platform events: active users)."""
    if not user_ids:
        return []
    rows: Any
    if tenant is None:
        rows = User.objects.filter(pk__in=user_ids, is_active=True).values_list("pk", "email", "time_zone")
    else:
        rows = Membership.objects.filter(
            tenant=tenant, status=Membership.Status.ACTIVE, user_id__in=user_ids, user__is_active=True
        ).values_list("user_id", "user__email", "user__time_zone")
    found = [Person(user_id=pk, email=email, time_zone=tz) for pk, email, tz in rows]
    if tenant is not None and found:
        profiles = dict(
            MemberProfile.objects.filter(user_id__in=[p.user_id for p in found]).values_list("user_id", "preferences")
        )
        for person in found:
            person.preferences = profiles.get(person.user_id) or {}
    return found


def choices(category: str, user_ids: list[uuid.UUID]) -> Choices:
    prefs = NotificationPreference.objects.filter(user_id__in=user_ids, category=category)
    return Choices(
        preferences={(p.user_id, p.channel): p.enabled for p in prefs.only("user_id", "channel", "enabled")},
        defaults=dict(TenantNotificationDefault.objects.filter(category=category).values_list("channel", "enabled")),
        quiet={q.user_id: q for q in QuietHours.objects.filter(user_id__in=user_ids)},
        digests=dict(
            DigestChoice.objects.filter(user_id__in=user_ids, category=category)
            .exclude(frequency=DigestChoice.Frequency.NONE)
            .values_list("user_id", "frequency")
        ),
    )


def channel_enabled(
    *, channel: str, category_default: tuple[str, ...], critical: bool, person: bool | None, tenant: bool | None
) -> bool:
    """Person's choice > tenant default > the category's default channels; a critical category's
    default channels are always on (a person may add channels to it, never remove its defaults)."""
    if critical and channel in category_default:
        return True
    if person is not None:
        return person
    if tenant is not None:
        return tenant
    return channel in category_default


def person_zone(person: Person, quiet: QuietHours | None, tenant: Any) -> ZoneInfo:
    return timing.person_zone(
        quiet.time_zone if quiet else None,
        person.preferences.get("time_zone"),
        person.time_zone if person.time_zone != "UTC" else None,
        getattr(tenant, "time_zone", None),
    )


class FanOut:
    """One notice of one event for one tenant (or the platform), written in bulk."""

    def __init__(self, notice: Notice, *, tenant: Any, payload: dict[str, Any], now: dt.datetime | None = None):
        self.notice, self.tenant, self.payload = notice, tenant, payload
        self.now = now or timezone.now()
        self.key = event_key(notice.event, payload)
        self.category = registry.category(notice.category)
        self.critical = registry.is_critical(notice)
        self.channels = [c for c in registry.notice_channels(notice) if c != Channel.WEBHOOK]
        self.renderer = Renderer(notice, tenant=tenant)
        self.url = str(resolve(notice.url)(tenant, payload) or "") if notice.url else ""
        self.language = self._tenant_language()

    def _tenant_language(self) -> str:
        return "en"

    def recipients(self, given: Iterable[Any] | None) -> Iterable[int | str]:
        if given is not None:
            return given
        return resolve(self.notice.recipients)(self.tenant, self.payload) or []

    def run(self, given: Iterable[Any] | None = None) -> tuple[int, list[int]]:
        """Write the rows; returns (deliveries created, ids of the pending deliveries to send)."""
        user_ids, addresses = split_recipients(self.recipients(given))
        found = people(self.tenant, user_ids)
        plan = Plan()
        if self.tenant is None:
            self._plan_addresses(plan, [*(p.email for p in found if p.email), *addresses])
        else:
            self._plan_people(plan, found)
            self._plan_addresses(plan, addresses)
        with transaction.atomic():
            created = self._write(plan)
            pending = list(
                Delivery.objects.filter(event_key=self.key, status=DeliveryStatus.PENDING).values_list("pk", flat=True)
            )
            if plan.due and self.tenant is not None:
                work.mark_due(self.tenant, min(plan.due))
        if created and self.tenant is not None and self._webhook_on():
            publish("notification.sent", self._webhook_payload(created), tenant=self.tenant)
        return created, pending

    # --- planning ---------------------------------------------------------------------------

    def _notification(self, *, person: Person | None, address: str, in_inbox: bool) -> Notification:
        title, body = self.renderer.render(Channel.IN_APP, self.language, self.payload, person)
        return Notification(
            recipient_id=person.user_id if person else None, address=address,
            recipient_key=person.recipient_key if person else f"e:{address}", event=self.notice.event,
            event_key=self.key, category=self.notice.category, critical=self.critical, title=title, body=body,
            url=self.url, payload=self.payload, language=self.language, in_inbox=in_inbox, created_at=self.now,
        )  # fmt: skip

    def _delivery(self, recipient_key: str, channel: str, status: str, **fields: Any) -> Delivery:
        return Delivery(event_key=self.key, recipient_key=recipient_key, channel=channel, status=status,
                        created_at=self.now, **fields)  # fmt: skip

    def _plan_addresses(self, plan: Plan, addresses: list[str]) -> None:
        if Channel.EMAIL not in self.channels:
            return
        for address in dict.fromkeys(addresses):
            notification = self._notification(person=None, address=address, in_inbox=False)
            plan.notifications.append(notification)
            plan.deliveries[notification.recipient_key] = [
                self._delivery(notification.recipient_key, Channel.EMAIL, DeliveryStatus.PENDING)
            ]

    def _plan_people(self, plan: Plan, found: list[Person]) -> None:
        settings_ = choices(self.notice.category, [p.user_id for p in found])
        for person in found:
            enabled = [
                channel for channel in self.channels
                if channel_enabled(channel=channel, category_default=self.category.default_channels,
                                   critical=self.critical, person=settings_.preferences.get((person.user_id, channel)),
                                   tenant=settings_.defaults.get(channel))
            ]  # fmt: skip
            if not enabled:
                continue
            notification = self._notification(person=person, address="", in_inbox=Channel.IN_APP in enabled)
            plan.notifications.append(notification)
            plan.deliveries[person.recipient_key] = [self._person_delivery(plan, person, c, settings_) for c in enabled]

    def _person_delivery(self, plan: Plan, person: Person, channel: str, settings_: Choices) -> Delivery:
        key = person.recipient_key
        if channel == Channel.IN_APP:
            return self._delivery(key, channel, DeliveryStatus.SENT, sent_at=self.now, attempts=1)
        unreachable = self._unreachable(person, channel)
        if unreachable:
            return self._delivery(key, channel, DeliveryStatus.SKIPPED, last_error=unreachable)
        if self.critical:
            return self._delivery(key, channel, DeliveryStatus.PENDING)
        quiet = settings_.quiet.get(person.user_id)
        tz = person_zone(person, quiet, self.tenant)
        frequency = settings_.digests.get(person.user_id)
        if frequency:
            plan.due.append(timing.digest_period(self.now, frequency, tz)[1])
            return self._delivery(key, channel, DeliveryStatus.DIGESTED)
        until = quiet and timing.quiet_until(self.now, start=quiet.start, end=quiet.end, tz=tz)
        if until:
            plan.due.append(until)
            return self._delivery(key, channel, DeliveryStatus.HELD, next_attempt_at=until)
        return self._delivery(key, channel, DeliveryStatus.PENDING)

    def _unreachable(self, person: Person, channel: str) -> str:
        if channel == Channel.EMAIL:
            return "" if person.email else "No email address."
        if channel in (Channel.SMS, Channel.WHATSAPP):
            raw = person.preferences.get("phone")
            if phone_e164(raw, region=getattr(self.tenant, "country", "")) is None:
                return (
                    "No valid phone number (member profile preferences “phone”, E.164)." if raw else "No phone number."
                )
        return ""

    # --- writing ----------------------------------------------------------------------------

    def _write(self, plan: Plan) -> int:
        if not plan.notifications:
            return 0
        Notification.objects.bulk_create(plan.notifications, batch_size=BULK_BATCH, ignore_conflicts=True)
        ids = dict(
            Notification.objects.filter(event_key=self.key, recipient_key__in=list(plan.deliveries)).values_list(
                "recipient_key", "pk"
            )
        )
        rows = []
        for recipient_key, deliveries in plan.deliveries.items():
            for delivery in deliveries:
                delivery.notification_id = ids[recipient_key]
                rows.append(delivery)
        before = Delivery.objects.filter(event_key=self.key).count() if rows else 0
        Delivery.objects.bulk_create(rows, batch_size=BULK_BATCH, ignore_conflicts=True)
        return Delivery.objects.filter(event_key=self.key).count() - before

    def _webhook_on(self) -> bool:
        if Channel.WEBHOOK not in registry.notice_channels(self.notice):
            return False
        tenant_default = TenantNotificationDefault.objects.filter(
            category=self.notice.category, channel=Channel.WEBHOOK
        ).values_list("enabled", flat=True)
        chosen = tenant_default.first()
        return chosen if chosen is not None else Channel.WEBHOOK in self.category.default_channels

    def _webhook_payload(self, created: int) -> dict[str, Any]:
        return {
            "event": self.notice.event,
            "event_key": self.key,
            "category": self.notice.category,
            "deliveries": created,
            "title": self.renderer.render(Channel.WEBHOOK, self.language, self.payload)[0],
        }


def chunks(ids: list[int], size: int | None = None) -> list[list[int]]:
    size = size or settings.NOTIFICATIONS_CHUNK_SIZE
    return [ids[i : i + size] for i in range(0, len(ids), size)]
