"""Sending: claim deliveries, send them per channel, record the outcome; and the periodic sweep.

A chunk is claimed with one `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING`:
pending rows (and rows whose claim is older than `STALE_CLAIM`) become `sending`, so two workers
never take the same row. After sending, one bulk update marks them `sent`, or `failed` with the
next attempt after an exponential backoff (`MAX_ATTEMPTS`, then failed for good, for the admins).

At-least-once edge: a worker killed after the provider accepted a message but before the chunk was
marked leaves those rows `sending`; after `STALE_CLAIM` the sweep reclaims and sends them again. So
each (event, recipient, channel) is sent at most once more, only for the rows of the chunk in
flight; rows never duplicate (the unique key), and rows already marked are never sent again. An
email copy carries the same Message-ID (`delivery_message_id`), the receiver's idempotency key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.mail.utils import DNS_NAME
from django.db import connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from apps.emails.services import email_send_many

from . import registry, timing, work
from .channels import ProviderError, phone_e164, sms_provider
from .fanout import Person, choices, people, person_zone
from .models import Channel, Delivery, DeliveryStatus, DigestChoice, Notification, QuietHours
from .rendering import Renderer

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STALE_CLAIM = dt.timedelta(minutes=10)
DIGEST_EVENT = "notifications.digest"
DIGEST_ITEMS_SHOWN = 20


@dataclass
class Outcome:
    message_id: str = ""
    error: str = ""


def claim(ids: list[int], *, now: dt.datetime | None = None) -> list[int]:
    """Take the pending (or stale) deliveries among `ids` for this worker: they become `sending`."""
    if not ids:
        return []
    now = now or timezone.now()
    table = Delivery._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} SET status = 'sending', claimed_at = %s, attempts = attempts + 1, updated_at = %s
                WHERE id IN (SELECT id FROM {table} WHERE id = ANY(%s)
                             AND (status = 'pending' OR (status = 'sending' AND claimed_at < %s))
                             ORDER BY id FOR UPDATE SKIP LOCKED)
                RETURNING id""",
            [now, now, ids, now - STALE_CLAIM],
        )
        return [row[0] for row in cursor.fetchall()]


def claims_release(ids: list[int]) -> int:
    """Rows among `ids` left `sending` by a worker known to be dead (apps.core.jobs) become pending."""
    now = timezone.now()
    return Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.PENDING, claimed_at=None, updated_at=now
    )


def send_chunk(ids: list[int], *, tenant: Any, now: dt.datetime | None = None) -> dict[str, int]:
    """Claim, send and mark one chunk; returns {"sent": n, "failed": n}."""
    claimed = claim(ids, now=now)
    if not claimed:
        return {"sent": 0, "failed": 0}
    rows = list(Delivery.objects.filter(pk__in=claimed).select_related("notification", "notification__recipient"))
    outcomes: dict[int, Outcome] = {}
    by_channel: dict[str, list[Delivery]] = defaultdict(list)
    for row in rows:
        by_channel[row.channel].append(row)
    for channel, group in by_channel.items():
        outcomes.update(SENDERS.get(Channel(channel), _send_unsupported)(group, tenant))
    return finish(rows, outcomes, tenant=tenant)


def finish(rows: list[Delivery], outcomes: dict[int, Outcome], *, tenant: Any) -> dict[str, int]:
    now = timezone.now()
    sent: dict[str, int] = defaultdict(int)
    failed = 0
    for row in rows:
        outcome = outcomes.get(row.pk, Outcome(error="Not sent."))
        row.claimed_at, row.updated_at = None, now
        if outcome.error:
            failed += 1
            row.status, row.last_error = DeliveryStatus.FAILED, outcome.error[:2000]
            row.next_attempt_at = now + timing.backoff(row.attempts) if row.attempts < MAX_ATTEMPTS else None
        else:
            sent[row.channel] += 1
            row.status, row.sent_at, row.last_error = DeliveryStatus.SENT, now, ""
            row.provider_message_id, row.next_attempt_at = outcome.message_id[:200], None
    with transaction.atomic():
        _mark(rows)
        work.count_sent(tenant, dict(sent))
        retry_at = [row.next_attempt_at for row in rows if row.next_attempt_at is not None]
        if retry_at and tenant is not None:
            work.mark_due(tenant, min(retry_at))
    return {"sent": sum(sent.values()), "failed": failed}


_MARK_SQL = """
    UPDATE {table} AS d SET status = v.status, sent_at = v.sent_at, last_error = v.last_error,
        next_attempt_at = v.next_attempt_at, provider_message_id = v.provider_message_id,
        claimed_at = NULL, updated_at = v.updated_at
    FROM (VALUES {values}) AS v(id, status, sent_at, last_error, next_attempt_at, provider_message_id, updated_at)
    WHERE d.id = v.id
"""
_MARK_ROW = "(%s::bigint, %s, %s::timestamptz, %s, %s::timestamptz, %s, %s::timestamptz)"


def _mark(rows: list[Delivery]) -> None:
    """The outcome of a chunk in one statement (bulk_update's CASE per field was most of the time)."""
    for start in range(0, len(rows), 1000):
        part = rows[start : start + 1000]
        params: list[Any] = []
        for row in part:
            params += [row.pk, row.status, row.sent_at, row.last_error, row.next_attempt_at,
                       row.provider_message_id, row.updated_at]  # fmt: skip
        sql = _MARK_SQL.format(table=Delivery._meta.db_table, values=", ".join([_MARK_ROW] * len(part)))
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


# --- Channels --------------------------------------------------------------------------------------


class Texts:
    """The title and body of each delivery on its channel: the in-app text unless a template
    overrides that channel (renderers built once per event of the chunk)."""

    def __init__(self, tenant: Any) -> None:
        self.tenant = tenant
        self.renderers: dict[tuple[str, str], Renderer | None] = {}

    def of(self, row: Delivery) -> tuple[str, str]:
        notification = row.notification
        renderer = self._renderer(notification.event, notification.category)
        if renderer is None or not renderer.has_override(row.channel):
            return notification.title, notification.body
        return renderer.render(row.channel, notification.language, notification.payload, notification.recipient)

    def _renderer(self, event: str, category: str) -> Renderer | None:
        key = (event, category)
        if key not in self.renderers:
            notices = [n for n in registry.notices_for(event) if n.category == category]
            self.renderers[key] = Renderer(notices[0], tenant=self.tenant) if notices else None
        return self.renderers[key]


def _address(row: Delivery) -> str:
    notification = row.notification
    return notification.recipient.email if notification.recipient is not None else notification.address


def delivery_message_id(row: Delivery) -> str:
    """The email's Message-ID, the same every time this delivery is sent: a chunk cut off mid-send
    (the at-least-once edge above) sends its copy under the same id, so a mail system can drop it."""
    schema = getattr(connection, "schema_name", "public")
    return f"<notification.{schema}.{row.pk}@{DNS_NAME}>"


def _send_email(rows: list[Delivery], tenant: Any) -> dict[int, Outcome]:
    texts = Texts(tenant)
    messages = []
    for row in rows:
        title, body = texts.of(row)
        messages.append((_address(row), {"title": title, "body": body, "url": row.notification.url}))
    records = email_send_many(template="notification", messages=messages, tenant=tenant,
                              message_ids=[delivery_message_id(row) for row in rows])  # fmt: skip
    return {
        row.pk: Outcome(message_id=f"email:{record.pk}") if record.status == "sent" else Outcome(error=record.error)
        for row, record in zip(rows, records, strict=True)
    }


def _send_phone(rows: list[Delivery], tenant: Any) -> dict[int, Outcome]:
    texts = Texts(tenant)
    provider = sms_provider()
    profiles = _phones([row.notification.recipient_id for row in rows if row.notification.recipient_id], tenant)
    outcomes = {}
    for row in rows:
        phone = profiles.get(row.notification.recipient_id) if row.notification.recipient_id else None
        if phone is None:
            outcomes[row.pk] = Outcome(error="No valid phone number.")
            continue
        title, body = texts.of(row)
        text = f"{title}\n{body}".strip() if body else title
        try:
            outcomes[row.pk] = Outcome(message_id=provider.send(to=phone, body=text, channel=row.channel))
        except ProviderError as exc:
            outcomes[row.pk] = Outcome(error=str(exc))
    return outcomes


def _phones(user_ids: list[uuid.UUID], tenant: Any) -> dict[uuid.UUID, str | None]:
    found = people(tenant, user_ids)
    region = getattr(tenant, "country", "")
    return {p.user_id: phone_e164(p.preferences.get("phone"), region=region) for p in found}


def _send_unsupported(rows: list[Delivery], tenant: Any) -> dict[int, Outcome]:
    return {row.pk: Outcome(error=f"No sender for channel {row.channel}.") for row in rows}


SENDERS = {Channel.EMAIL: _send_email, Channel.SMS: _send_phone, Channel.WHATSAPP: _send_phone}


# --- The sweep -------------------------------------------------------------------------------------


def release_due(now: dt.datetime) -> int:
    """Held rows whose quiet hours ended, failed rows whose retry time came, stale claims: pending."""
    return Delivery.objects.filter(
        Q(status__in=[DeliveryStatus.HELD, DeliveryStatus.FAILED], next_attempt_at__lte=now)
        | Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)
    ).update(status=DeliveryStatus.PENDING, next_attempt_at=None, claimed_at=None, updated_at=now)


def pending_ids() -> list[int]:
    return list(Delivery.objects.filter(status=DeliveryStatus.PENDING).order_by("pk").values_list("pk", flat=True))


def next_due(tenant: Any, now: dt.datetime) -> dt.datetime | None:
    """When this tenant next has work: a held or retried row, a claim going stale, a digest."""
    found = Delivery.objects.filter(
        status__in=[DeliveryStatus.HELD, DeliveryStatus.FAILED], next_attempt_at__isnull=False
    ).aggregate(at=Min("next_attempt_at"))["at"]
    claim_at = Delivery.objects.filter(status=DeliveryStatus.SENDING).aggregate(at=Min("claimed_at"))["at"]
    times = [t for t in (found, claim_at and claim_at + STALE_CLAIM, *digest_due_times(tenant)) if t]
    if Delivery.objects.filter(status=DeliveryStatus.PENDING).exists():
        times.append(now)
    return min(times) if times else None


# --- Digests ---------------------------------------------------------------------------------------


@dataclass
class DigestGroup:
    user_id: uuid.UUID
    category: str
    channel: str
    period: dt.date
    due_at: dt.datetime
    frequency: str
    item_ids: list[int]


def _digest_groups(tenant: Any) -> list[DigestGroup]:
    items = list(
        Delivery.objects.filter(status=DeliveryStatus.DIGESTED, digest__isnull=True)
        .order_by("pk")
        .values_list("pk", "channel", "created_at", "notification__recipient_id", "notification__category")
    )
    if not items:
        return []
    user_ids = list({item[3] for item in items})
    frequencies = {
        (user_id, category): frequency
        for user_id, category, frequency in DigestChoice.objects.filter(user_id__in=user_ids).values_list(
            "user_id", "category", "frequency"
        )
    }
    zones = _zones(tenant, user_ids)
    groups: dict[tuple[uuid.UUID, str, str, dt.date], DigestGroup] = {}
    for pk, channel, created_at, user_id, category in items:
        frequency = frequencies.get((user_id, category), "daily")
        if frequency == DigestChoice.Frequency.NONE:
            frequency = "daily"  # the person switched digests off since: the waiting items go out next morning
        period, due_at = timing.digest_period(created_at, frequency, zones[user_id])
        group = groups.setdefault(
            (user_id, category, channel, period),
            DigestGroup(user_id, category, channel, period, due_at, frequency, []),
        )
        group.item_ids.append(pk)
    return list(groups.values())


def _zones(tenant: Any, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    quiet = {q.user_id: q for q in QuietHours.objects.filter(user_id__in=user_ids)}
    found = {p.user_id: p for p in people(tenant, user_ids)}
    return {
        user_id: person_zone(found.get(user_id) or Person(user_id, "", "UTC"), quiet.get(user_id), tenant)
        for user_id in user_ids
    }


def digest_due_times(tenant: Any) -> list[dt.datetime]:
    return [group.due_at for group in _digest_groups(tenant)]


def digests_build(tenant: Any, now: dt.datetime) -> int:
    """Write a digest delivery for each group whose time has come, linking its items (one
    transaction per run). The digest's key is its person, category, channel, period and last item:
    a re-run writes nothing new, and an item that arrives late gets a small digest of its own."""
    due = [group for group in _digest_groups(tenant) if group.due_at <= now]
    if not due:
        return 0
    titles = dict(
        Delivery.objects.filter(pk__in=[pk for group in due for pk in group.item_ids]).values_list(
            "pk", "notification__title"
        )
    )
    with transaction.atomic():
        for group in due:
            _digest_write(group, titles)
    return len(due)


def _digest_write(group: DigestGroup, titles: dict[int, str]) -> None:
    label = registry.categories().get(group.category)
    name = label.label if label else group.category
    count = len(group.item_ids)
    lines = [f"• {titles.get(pk, '')}" for pk in group.item_ids[:DIGEST_ITEMS_SHOWN]]
    if count > DIGEST_ITEMS_SHOWN:
        lines.append(f"… and {count - DIGEST_ITEMS_SHOWN} more.")
    source = f"{group.user_id}:{group.category}:{group.channel}:{group.period}:{group.frequency}:{max(group.item_ids)}"
    key = hashlib.sha256(f"{DIGEST_EVENT}\n{source}".encode()).hexdigest()
    recipient_key = f"u:{group.user_id}"
    notification, _ = Notification.objects.get_or_create(
        event_key=key, recipient_key=recipient_key,
        defaults={"recipient_id": group.user_id, "event": DIGEST_EVENT, "category": group.category,
                  "title": f"{name}: {count} notification{'s' if count != 1 else ''} ({group.frequency} digest)",
                  "body": "\n".join(lines), "in_inbox": False,
                  "payload": {"period": str(group.period), "frequency": group.frequency, "items": count}},
    )  # fmt: skip
    digest, _ = Delivery.objects.get_or_create(
        event_key=key, recipient_key=recipient_key, channel=group.channel,
        defaults={"notification": notification, "status": DeliveryStatus.PENDING},
    )  # fmt: skip
    Delivery.objects.filter(pk__in=group.item_ids, digest__isnull=True).update(digest=digest, updated_at=timezone.now())


def sweep(tenant: Any, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """In the current tenant schema: release what is due, build due digests; returns the pending ids
    to send and the counts. The caller sends them (in chunks) and then records the next due time."""
    now = now or timezone.now()
    released = release_due(now)
    digests = digests_build(tenant, now)
    return {"released": released, "digests": digests, "pending": pending_ids()}


__all__ = ["MAX_ATTEMPTS", "STALE_CLAIM", "choices", "claim", "finish", "next_due", "send_chunk", "sweep"]
