"""Celery entry points of the notifications engine: thin, idempotent, in chunks.

- `notifications.deliveries_send(schema, ids)`: claim and send one chunk (≤ NOTIFICATIONS_CHUNK_SIZE).
- `notifications.sweep` (beat, every 5 minutes): for the tenants whose work is due (public
  `TenantNotificationWork`, one query), release held and retried deliveries, reclaim stale claims,
  build due digests, send what is pending, and record the tenant's next due time.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from apps.core.jobs import heartbeat_job
from apps.core.tasks import sender_may_touch
from apps.tenancy.models import Tenant

from . import delivery, work
from .fanout import chunks

logger = logging.getLogger(__name__)


def enqueue(tenant: Any, ids: list[int]) -> int:
    """Send `ids` with one task per chunk once the current transaction commits; returns the tasks."""
    schema = tenant.schema_name if tenant is not None else get_public_schema_name()
    parts = chunks(ids)

    def send() -> None:
        with schema_context(schema):  # tenant-schemas-celery sends the task in the current schema
            for part in parts:
                deliveries_send.apply_async(args=[schema, part])

    if parts:
        transaction.on_commit(send)
    return len(parts)


def _tenant(schema: str) -> Tenant | None:
    if schema == get_public_schema_name():
        return None
    with schema_context(get_public_schema_name()):
        return Tenant.objects.get(schema_name=schema)


@shared_task(name="notifications.deliveries_send")
@heartbeat_job
def deliveries_send(schema: str, ids: list[int]) -> dict[str, int]:
    """Claim and send one chunk of deliveries in `schema` (rows already taken or sent are skipped).
    Re-sent by apps.core.jobs when its worker died, after `deliveries_send_requeue` released the
    chunk's claims (only the rows of that chunk still `sending` may go out twice).

    Sent from a tenant's schema (tenant-schemas-celery runs it there), it refuses another tenant's
    schema: ids that came from one organisation never send another's messages."""
    tenant = _tenant(schema)
    if not sender_may_touch(tenant.pk if tenant is not None else None):
        logger.warning("notifications.deliveries_send for %s refused: sent from another tenant", schema)
        return {"sent": 0, "failed": 0}
    with schema_context(schema):
        return delivery.send_chunk([int(pk) for pk in ids], tenant=tenant)


def deliveries_send_requeue(*, args: list[Any], kwargs: dict[str, Any], schema_name: str) -> None:
    """Hook `jobs.requeue:notifications.deliveries_send`: the chunk's worker died (its lease went
    stale), so the rows it had claimed become pending again for the re-sent task."""
    schema = args[0] if args else kwargs.get("schema")
    ids = args[1] if len(args) > 1 else kwargs.get("ids") or []
    if schema and schema == schema_name:  # the schema the task was sent from, never another one
        with schema_context(schema):
            delivery.claims_release([int(pk) for pk in ids])


def tenant_sweep(tenant: Tenant, *, now: Any = None, inline: bool = False) -> dict[str, Any]:
    """One tenant's due work (see the module docstring); `inline` sends here instead of via tasks."""
    now = now or timezone.now()
    with schema_context(tenant.schema_name):
        found = delivery.sweep(tenant, now=now)
        pending = found.pop("pending")
        if inline:
            for part in chunks(pending):
                delivery.send_chunk(part, tenant=tenant, now=now)
        else:
            for part in chunks(pending):
                deliveries_send.apply_async(args=[tenant.schema_name, part])
        due = delivery.next_due(tenant, now)
        if due is not None and due <= now and not inline:
            due = now + delivery.STALE_CLAIM  # sent just now by tasks: look again once their claims could be stale
        work.set_due(tenant, due)
    return {**found, "sent_tasks": 0 if inline else len(chunks(pending)), "pending": len(pending)}


@shared_task(name="notifications.sweep")
def sweep() -> dict[str, Any]:
    """Beat: every tenant whose notification work is due; a failing tenant is logged and skipped."""
    now = timezone.now()
    with schema_context(get_public_schema_name()):
        ids = work.due_tenant_ids(now)
        tenants = list(Tenant.objects.filter(pk__in=ids, is_template=False))
    done: dict[str, Any] = {}
    for tenant in tenants:
        try:
            done[tenant.schema_name] = tenant_sweep(tenant, now=now)
        except Exception:
            logger.exception("Notification sweep failed in schema %s", tenant.schema_name)
    return done
