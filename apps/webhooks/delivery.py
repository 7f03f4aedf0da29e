"""Sending deliveries (worker side): claim, POST the signed body, record the attempt, schedule a retry.

A delivery is claimed by pushing its `next_attempt_at` a lease ahead inside a short
SELECT ... FOR UPDATE SKIP LOCKED transaction, so two workers never send the same delivery at once
and no transaction stays open during the HTTP request. A worker that dies mid-send leaves the
delivery due again when the lease ends. Receivers dedupe by the X-NidiaFlow-Delivery id
(delivery is at least once).
"""

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import Membership
from apps.emails.services import email_send

from .models import OPEN_STATUSES, DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .services import disable_after_failures, endpoint_secrets, webhook_endpoint_disable
from .signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signature_header
from .validation import address_check

logger = logging.getLogger(__name__)

# Waits after attempt 1, 2, ... (total 68.6 h, under 3 days); the attempt after the last wait is final.
BACKOFF: tuple[timedelta, ...] = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(hours=24),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = timedelta(minutes=5)
TIMEOUT = (3.05, 10)  # connect, read (seconds)
EXCERPT_CHARS = 500
USER_AGENT = "NidiaFlow-Webhooks/1.0"

_session = requests.Session()  # one connection pool per worker process (shared by its threads)
_session.mount("https://", requests.adapters.HTTPAdapter(pool_connections=32, pool_maxsize=32))
_session.mount("http://", requests.adapters.HTTPAdapter(pool_connections=32, pool_maxsize=32))


def backoff_after(attempt_count: int) -> timedelta | None:
    """The wait after the `attempt_count`-th failed attempt, or None when that attempt was the last."""
    return BACKOFF[attempt_count - 1] if attempt_count <= len(BACKOFF) else None


@transaction.atomic
def deliveries_claim(*, limit: int = 100, now: datetime | None = None, ids: list[int] | None = None) -> list[int]:
    """Claim up to `limit` due deliveries (oldest due first), skipping rows other workers hold."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(status__in=OPEN_STATUSES, next_attempt_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=ids)
    claimed = list(
        due.order_by("next_attempt_at").select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit]
    )
    if claimed:
        WebhookDelivery.objects.filter(pk__in=claimed).update(next_attempt_at=now + LEASE)
    return claimed


def delivery_lease_end(delivery_id: int, *, now: datetime | None = None) -> int:
    """An open delivery's claim ends now (its worker is known to be dead: apps.core.jobs)."""
    now = now or timezone.now()
    return WebhookDelivery.objects.filter(pk=delivery_id, status__in=OPEN_STATUSES, next_attempt_at__gt=now).update(
        next_attempt_at=now
    )


def delivery_body(delivery: WebhookDelivery) -> bytes:
    event = delivery.event
    envelope = {
        "id": str(event.id),
        "type": event.type,
        "created_at": event.created_at,
        "tenant": event.tenant.slug if event.tenant else None,
        "data": event.payload,
    }
    return json.dumps(envelope, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True).encode()


def delivery_headers(delivery: WebhookDelivery, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: delivery.event.type,
        DELIVERY_HEADER: str(delivery.uuid),
        SIGNATURE_HEADER: signature_header(endpoint_secrets(delivery.endpoint), body),
    }


@dataclass
class Outcome:
    status_code: int | None
    latency_ms: int
    excerpt: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    started = time.monotonic()
    try:
        address_check(urlsplit(url).hostname or "")
        with _session.post(
            url, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False, stream=True
        ) as response:
            raw = next(response.iter_content(EXCERPT_CHARS * 4), b"")
            excerpt = raw.decode(response.encoding or "utf-8", errors="replace")[:EXCERPT_CHARS]
            return Outcome(response.status_code, _ms(started), excerpt)
    except ValidationError as exc:
        return Outcome(None, _ms(started), error=" ".join(exc.messages)[:500])
    except requests.RequestException as exc:
        return Outcome(None, _ms(started), error=f"{type(exc).__name__}: {exc}"[:500])


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def delivery_send(delivery_id: int, *, claimed: bool = False) -> str | None:
    """Make one attempt of a delivery; returns its new status (None when there was nothing to send)."""
    if not claimed and not deliveries_claim(ids=[delivery_id], limit=1):
        return None
    delivery = (
        WebhookDelivery.objects.select_related("endpoint", "event", "event__tenant")
        .filter(pk=delivery_id, status__in=OPEN_STATUSES)
        .first()
    )
    if delivery is None:
        return None
    if not delivery.endpoint.enabled:
        return delivery_close_disabled(delivery)
    body = delivery_body(delivery)
    outcome = _post(delivery.endpoint.url, body, delivery_headers(delivery, body))
    return attempt_record(delivery_id=delivery.pk, outcome=outcome)


@transaction.atomic
def delivery_close_disabled(delivery: WebhookDelivery) -> str:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, next_attempt_at=None)
    return DeliveryStatus.FAILED


@transaction.atomic
def attempt_record(*, delivery_id: int, outcome: Outcome, now: datetime | None = None) -> str:
    """Log the attempt and move the delivery on: succeeded, retrying (with its backoff) or failed."""
    now = now or timezone.now()
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    if delivery.status not in OPEN_STATUSES:  # closed meanwhile (a lease that ran out): keep the first outcome
        return delivery.status
    WebhookAttempt.objects.create(
        delivery=delivery,
        attempted_at=now,
        status_code=outcome.status_code,
        latency_ms=outcome.latency_ms,
        response_excerpt=outcome.excerpt,
        error=outcome.error,
    )
    delivery.attempt_count += 1
    delivery.last_status_code = outcome.status_code
    if outcome.ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, now, None
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id, consecutive_failures__gt=0).update(
            consecutive_failures=0
        )
    elif (wait := backoff_after(delivery.attempt_count)) is not None:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.RETRYING, now + wait
    else:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        _failure_count(delivery.endpoint_id)
    delivery.save(update_fields=["attempt_count", "last_status_code", "status", "delivered_at", "next_attempt_at"])
    return delivery.status


def _failure_count(endpoint_id: int) -> None:
    """One more delivery failed for good; at the threshold the endpoint is disabled with a notice."""
    WebhookEndpoint.objects.filter(pk=endpoint_id).update(consecutive_failures=F("consecutive_failures") + 1)
    endpoint = WebhookEndpoint.objects.select_related("tenant").get(pk=endpoint_id)
    threshold = disable_after_failures()
    if endpoint.enabled and endpoint.consecutive_failures >= threshold:
        reason = f"Disabled automatically after {endpoint.consecutive_failures} failed deliveries in a row."
        webhook_endpoint_disable(endpoint=endpoint, reason=reason, acting_user=None)
        transaction.on_commit(lambda: endpoint_disabled_notify(endpoint_id=endpoint_id))


def _notice_recipients(endpoint: WebhookEndpoint) -> list[str]:
    from django.conf import settings

    if endpoint.tenant_id is None:
        return [email for _, email in getattr(settings, "ADMINS", [])]
    admins = Membership.objects.filter(
        tenant_id=endpoint.tenant_id, role=Membership.Role.TENANT_ADMIN, status=Membership.Status.ACTIVE
    ).values_list("user__email", flat=True)
    billing = [endpoint.tenant.billing_email] if endpoint.tenant and endpoint.tenant.billing_email else []
    return sorted({*admins, *billing} - {""})


def endpoint_disabled_notify(*, endpoint_id: int) -> int:
    """Email the tenant's admins (and billing email) that their endpoint was disabled."""
    endpoint = WebhookEndpoint.objects.select_related("tenant").get(pk=endpoint_id)
    context: dict[str, Any] = {
        "endpoint_url": endpoint.url,
        "reason": endpoint.disabled_reason,
        "tenant_name": endpoint.tenant.name if endpoint.tenant else "the platform",
    }
    recipients = _notice_recipients(endpoint)
    for email in recipients:
        email_send(template="webhook_endpoint_disabled", to=email, context=context, tenant=endpoint.tenant)
    return len(recipients)


def retry_due(*, batch: int = 100, now: datetime | None = None, max_batches: int = 50) -> dict[str, int]:
    """Claim due deliveries in batches and enqueue one send each (the beat task, every minute)."""
    from .tasks import deliver

    claimed = 0
    for _ in range(max_batches):
        ids = deliveries_claim(limit=batch, now=now)
        for delivery_id in ids:
            deliver.delay(delivery_id, claimed=True)
        claimed += len(ids)
        if len(ids) < batch:
            break
    return {"claimed": claimed}
