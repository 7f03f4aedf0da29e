"""Writes of outbound webhooks: endpoints (create, update, rotate the secret, disable, enable,
delete), emitting events, test events and replays. Sending lives in delivery.py.

Other apps never call this module: they publish domain events (apps.core.events) and
`subscribers.py` turns the committed ones into `webhook_event_emit` / `webhook_events_emit_many`,
which write the event and its deliveries in one transaction and enqueue the sends after it commits.
A rolled-back business write publishes nothing, so it sends nothing.
"""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.audit import writes
from apps.audit.services import audit_record
from apps.core.cache import VersionedCache
from apps.core.crypto import secret_decrypt, secret_encrypt

from . import catalogue as _catalogue
from .catalogue import TEST_EVENT
from .models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from .signing import secret_generate
from .validation import endpoint_url_check

logger = logging.getLogger(__name__)

DEFAULT_OVERLAP_HOURS = 24
MAX_OVERLAP_HOURS = 7 * 24
ENDPOINT_AUDITED = writes.Fields("url", "description", "enabled_events", "enabled", "disabled_reason")


def _events_check(event_types: list[str]) -> list[str]:
    chosen = list(dict.fromkeys(event_types or []))
    catalogue = _catalogue.event_types()
    unknown = sorted(set(chosen) - set(catalogue))
    if unknown:
        raise ValidationError(
            {
                "enabled_events": ValidationError(
                    "Unknown event types: %(unknown)s.", code="event_unknown", params={"unknown": ", ".join(unknown)}
                )
            }
        )
    if not chosen:
        raise ValidationError(
            {"enabled_events": ValidationError("Choose at least one event type.", code="event_required")}
        )
    return [name for name in catalogue if name in chosen]  # catalogue order


def _secret_set(endpoint: WebhookEndpoint, secret: str) -> None:
    endpoint.secret_encrypted = secret_encrypt(secret)
    endpoint.secret_hint = secret[:10]


def endpoint_secrets(endpoint: WebhookEndpoint, *, now: Any = None) -> list[str]:
    """The secrets a delivery is signed with: the current one, plus the previous one during the overlap."""
    now = now or timezone.now()
    current = [secret_decrypt(endpoint.secret_encrypted)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_encrypted and expires and expires > now:
        return [*current, secret_decrypt(endpoint.previous_secret_encrypted)]
    return current


@transaction.atomic
def webhook_endpoint_create(
    *, tenant: Any, url: str, enabled_events: list[str], description: str = "", acting_user: Any
) -> tuple[WebhookEndpoint, str]:
    """A new enabled endpoint and its signing secret (shown once; stored encrypted)."""
    endpoint = WebhookEndpoint(
        tenant=tenant,
        url=endpoint_url_check(url),
        description=description.strip(),
        enabled_events=_events_check(enabled_events),
        created_by=writes.history_user(acting_user),
    )
    secret = secret_generate()
    _secret_set(endpoint, secret)
    writes.save(endpoint, acting_user=acting_user)
    audit_record(
        action="webhooks.endpoint_created",
        acting_user=acting_user,
        tenant=tenant,
        target=endpoint,
        after=writes.snapshot(endpoint, ENDPOINT_AUDITED),
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    acting_user: Any,
    url: str | None = None,
    enabled_events: list[str] | None = None,
    description: str | None = None,
) -> WebhookEndpoint:
    locked = writes.locked(endpoint, "tenant")
    with writes.audited(locked, action="webhooks.endpoint_updated", acting_user=acting_user, tenant=locked.tenant,
                        fields=ENDPOINT_AUDITED):  # fmt: skip
        if url is not None and url.strip() != locked.url:
            locked.url = endpoint_url_check(url)
        if enabled_events is not None:
            locked.enabled_events = _events_check(enabled_events)
        if description is not None:
            locked.description = description.strip()
    return locked


@transaction.atomic
def webhook_secret_rotate(
    *, endpoint: WebhookEndpoint, acting_user: Any, overlap_hours: int = DEFAULT_OVERLAP_HOURS
) -> tuple[WebhookEndpoint, str]:
    """A new secret; the old one keeps signing (as a second `v1`) for `overlap_hours` (0 = stop now)."""
    if not 0 <= overlap_hours <= MAX_OVERLAP_HOURS:
        raise ValidationError(
            {
                "overlap_hours": ValidationError(
                    "The overlap must be between 0 and %(max)s hours.",
                    code="overlap_range",
                    params={"max": MAX_OVERLAP_HOURS},
                )
            }
        )
    locked = writes.locked(endpoint, "tenant")
    if overlap_hours:
        locked.previous_secret_encrypted = locked.secret_encrypted
        locked.previous_secret_expires_at = timezone.now() + timedelta(hours=overlap_hours)
    else:
        locked.previous_secret_encrypted, locked.previous_secret_expires_at = "", None
    secret = secret_generate()
    _secret_set(locked, secret)
    writes.save(locked, acting_user=acting_user)
    audit_record(
        action="webhooks.secret_rotated",
        acting_user=acting_user,
        tenant=locked.tenant,
        target=locked,
        after={"overlap_hours": overlap_hours, "previous_valid_until": locked.previous_secret_expires_at},
    )
    return locked, secret


@transaction.atomic
def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, reason: str, acting_user: Any) -> WebhookEndpoint:
    locked = writes.locked(endpoint, "tenant")
    if not locked.enabled:
        return locked
    changes = {"enabled": False, "disabled_at": timezone.now(),
               "disabled_reason": (reason or "Disabled by an administrator.")[:255]}  # fmt: skip
    return writes.update(locked, changes=changes, fields=ENDPOINT_AUDITED, action="webhooks.endpoint_disabled",
                         acting_user=acting_user, tenant=locked.tenant)  # fmt: skip


@transaction.atomic
def webhook_endpoint_enable(*, endpoint: WebhookEndpoint, acting_user: Any) -> WebhookEndpoint:
    locked = writes.locked(endpoint, "tenant")
    if locked.enabled:
        return locked
    endpoint_url_check(locked.url)  # rules may have tightened since it was saved
    changes = {"enabled": True, "disabled_at": None, "disabled_reason": "", "consecutive_failures": 0}
    return writes.update(locked, changes=changes, fields=ENDPOINT_AUDITED, action="webhooks.endpoint_enabled",
                         acting_user=acting_user, tenant=locked.tenant)  # fmt: skip


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, acting_user: Any) -> None:
    locked = writes.locked(endpoint, "tenant")
    audit_record(
        action="webhooks.endpoint_deleted",
        acting_user=acting_user,
        tenant=locked.tenant,
        target=locked,
        before=writes.snapshot(locked, ENDPOINT_AUDITED),
    )
    locked._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    locked.delete()


# --- Events and deliveries ---------------------------------------------------------------------------


def deliveries_enqueue(delivery_ids: list[int]) -> None:
    """Send each delivery now (a Celery task each). Deliveries the broker never got are still sent:
    they stay due, and the `webhooks.retry_due` beat task picks them up within a minute."""
    from .tasks import deliver

    for delivery_id in delivery_ids:
        try:
            deliver.delay(delivery_id)
        except Exception:
            logger.warning("Webhook delivery %s not enqueued; retry_due will send it.", delivery_id, exc_info=True)
            return


def _deliveries_create(event: WebhookEvent, endpoints: list[WebhookEndpoint], **extra: Any) -> list[WebhookDelivery]:
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(event=event, endpoint=endpoint, tenant_id=endpoint.tenant_id, next_attempt_at=now, **extra)
            for endpoint in endpoints
        ]
    )
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: deliveries_enqueue(ids))
    return deliveries


# Every published event asks which endpoints listen (most often none): the answer per tenant is cached
# until an endpoint is saved or deleted (apps.webhooks.apps).
LISTENERS: VersionedCache[list[tuple[int, Any, list[str]]]] = VersionedCache("webhooks:listeners", platform=True)


def subscribed_endpoints(*, tenant: Any, event_type: str) -> list[WebhookEndpoint]:
    """Enabled endpoints subscribed to the type: the tenant's own and the platform's (id and tenant_id
    only, to link deliveries to)."""
    from django.db.models import Q

    owners = Q(tenant__isnull=True) | Q(tenant=tenant) if tenant is not None else Q(tenant__isnull=True)

    def enabled() -> list[tuple[int, Any, list[str]]]:
        rows = WebhookEndpoint.objects.filter(owners, enabled=True).values_list("id", "tenant_id", "enabled_events")
        return list(rows)

    listeners = LISTENERS.get(tenant.pk if tenant is not None else "platform", enabled)
    return [WebhookEndpoint(id=pk, tenant_id=owner) for pk, owner, events in listeners if event_type in events]


def webhook_event_emit(*, tenant: Any, event_type: str, payload: dict[str, Any]) -> int:
    """Queue `event_type` to every enabled endpoint subscribed to it; returns how many deliveries.

    tenant=None is a platform event (platform endpoints only). Nothing is written when nobody listens,
    and no transaction is opened then (most events of most tenants have no listener).
    """
    if event_type not in _catalogue.event_types():
        raise ValueError(f"Unknown webhook event type {event_type!r}; add it to apps/webhooks/catalogue.py.")
    endpoints = subscribed_endpoints(tenant=tenant, event_type=event_type)
    if not endpoints:
        return 0
    with transaction.atomic():
        event = WebhookEvent.objects.create(tenant=tenant, type=event_type, payload=payload)
        return len(_deliveries_create(event, endpoints))


@transaction.atomic
def webhook_events_emit_many(*, event_type: str, items: list[tuple[Any, dict[str, Any]]]) -> int:
    """`webhook_event_emit` for many (tenant, payload) pairs of one type (batch jobs such as the billing
    run): the subscribed endpoints of all the tenants in one query, events and deliveries in one INSERT
    each. Returns how many deliveries."""
    from django.db.models import Q

    if event_type not in _catalogue.event_types():
        raise ValueError(f"Unknown webhook event type {event_type!r}; add it to apps/webhooks/catalogue.py.")
    tenant_ids = {tenant.pk for tenant, _ in items if tenant is not None}
    endpoints = list(
        WebhookEndpoint.objects.filter(
            Q(tenant__isnull=True) | Q(tenant_id__in=tenant_ids), enabled=True, enabled_events__contains=[event_type]
        ).only("id", "tenant_id")
    )
    if not endpoints:
        return 0
    platform = [e for e in endpoints if e.tenant_id is None]
    by_tenant: dict[Any, list[WebhookEndpoint]] = {}
    for endpoint in endpoints:
        if endpoint.tenant_id is not None:
            by_tenant.setdefault(endpoint.tenant_id, []).append(endpoint)
    events, targets = [], []
    for tenant, payload in items:
        listeners = platform + by_tenant.get(tenant.pk if tenant is not None else None, [])
        if listeners:
            events.append(WebhookEvent(tenant=tenant, type=event_type, payload=payload))
            targets.append(listeners)
    WebhookEvent.objects.bulk_create(events)
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(event=event, endpoint=endpoint, tenant_id=endpoint.tenant_id, next_attempt_at=now)
            for event, listeners in zip(events, targets, strict=True)
            for endpoint in listeners
        ]
    )
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: deliveries_enqueue(ids))
    return len(deliveries)


@transaction.atomic
def webhook_test_send(*, endpoint: WebhookEndpoint, acting_user: Any) -> WebhookDelivery:
    """A `webhook.test` event delivered to this endpoint only (subscribed to it or not)."""
    endpoint = writes.locked(endpoint, "tenant")
    if not endpoint.enabled:
        raise ValidationError(
            "This endpoint is disabled; enable it before sending a test event.", code="endpoint_disabled"
        )
    who = getattr(acting_user, "email", "") or getattr(acting_user, "code", "") if acting_user is not None else ""
    event = WebhookEvent.objects.create(
        tenant=endpoint.tenant, type=TEST_EVENT, payload={"message": "This is a test event.", "sent_by": who}
    )
    (delivery,) = _deliveries_create(event, [endpoint])
    audit_record(
        action="webhooks.test_sent",
        acting_user=acting_user,
        tenant=endpoint.tenant,
        target=endpoint,
        after={"delivery": str(delivery.uuid)},
    )
    return delivery


@transaction.atomic
def webhook_delivery_replay(*, delivery: WebhookDelivery, acting_user: Any) -> WebhookDelivery:
    """A new delivery of the same event to the same endpoint (same body, new delivery id)."""
    endpoint = writes.locked(delivery.endpoint, "tenant")
    if not endpoint.enabled:
        raise ValidationError(
            "This endpoint is disabled; enable it before replaying a delivery.", code="endpoint_disabled"
        )
    (replay,) = _deliveries_create(delivery.event, [endpoint], replay_of=delivery)
    audit_record(
        action="webhooks.delivery_replayed",
        acting_user=acting_user,
        tenant=endpoint.tenant,
        target=replay,
        after={"replay_of": str(delivery.uuid), "event": str(delivery.event_id)},
    )
    return replay


def disable_after_failures() -> int:
    return int(getattr(settings, "WEBHOOKS_DISABLE_AFTER_FAILURES", 15))
