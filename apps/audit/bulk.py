"""Appending many audit events at once (batch jobs such as the billing run).

The same chain rules as `audit_record`, for a batch: the chains concerned are locked with the same
transaction-scoped advisory locks (taken in a fixed order, so two batches cannot deadlock on each
other), the head of every chain is read in ONE query, and the events are inserted in one statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from apps.core.correlation import get_client, get_correlation_id

from .hashing import GENESIS_HASH, compute_hash
from .models import AuditEvent
from .pseudonyms import Pseudonymiser
from .services import HASH_VERSION, _chain_for, _jsonable


@dataclass
class PendingAuditEvent:
    action: str
    tenant: Any = None
    target: models.Model | None = None
    acting_user: Any = None
    before: Any = None
    after: Any = None


def _chain_heads(chains: list[str]) -> dict[str, tuple[int, str]]:
    """Lock the chains (sorted: a fixed order) and return each one's (last sequence, last hash)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('audit:' || c, 0)) FROM unnest(%s::text[]) AS c ORDER BY c",
            [sorted(chains)],
        )
        cursor.execute(
            f"""
            SELECT c.chain, e.sequence, e.hash
              FROM unnest(%s::text[]) AS c(chain)
              JOIN LATERAL (
                   SELECT sequence, hash FROM {AuditEvent._meta.db_table}
                    WHERE chain = c.chain ORDER BY sequence DESC LIMIT 1
              ) e ON true
            """,
            [chains],
        )
        return {chain: (sequence, hash_) for chain, sequence, hash_ in cursor.fetchall()}


@transaction.atomic
def audit_record_many(pending: list[PendingAuditEvent]) -> list[AuditEvent]:
    """Append `pending` to their chains (in list order within a chain); a handful of queries in all."""
    if not pending:
        return []
    heads = _chain_heads(sorted({_chain_for(item.tenant) for item in pending}))
    client_ip, client_agent = get_client()
    correlation_id, now = get_correlation_id(), timezone.now()
    events: list[AuditEvent] = []
    vault: list[Pseudonymiser] = []  # personal values become pseudonyms, as in audit_record
    for item in pending:
        chain = _chain_for(item.tenant)
        sequence, prev_hash = heads.get(chain, (0, GENESIS_HASH))
        is_user = item.acting_user is not None and getattr(item.acting_user, "is_authenticated", False)
        subject = item.target if item.target is not None and item.target._meta.label_lower == "accounts.user" else None
        pii = Pseudonymiser(subject.pk if subject is not None else (item.acting_user.pk if is_user else None))
        actor_pii = Pseudonymiser(item.acting_user.pk if is_user else None)
        vault += [pii, actor_pii]
        event = AuditEvent(
            chain=chain,
            sequence=sequence + 1,
            tenant_id=item.tenant.pk if item.tenant is not None else None,
            actor_id=item.acting_user.pk if is_user else None,
            actor_label=getattr(item.acting_user, "code", "") if is_user else "system",
            action=item.action,
            target_type=item.target._meta.label_lower if item.target is not None else "",
            target_id=str(item.target.pk) if item.target is not None else "",
            before=pii.payload(_jsonable(item.before)),
            after=pii.payload(_jsonable(item.after)),
            ip_address=None,
            ip_pseudonym=actor_pii.value(client_ip) or "",
            user_agent=actor_pii.value((client_agent or "")[:512]) or "",
            hash_version=HASH_VERSION,
            correlation_id=correlation_id,
            created_at=now,
            prev_hash=prev_hash,
        )
        event.hash = compute_hash(event, prev_hash)
        heads[chain] = (event.sequence, event.hash)
        events.append(event)
    Pseudonymiser.store(*vault)
    return AuditEvent.objects.bulk_create(events)


def history_snapshot(
    model: type[models.Model], pks: list[Any], *, history_type: str = "~", acting_user: Any = None, reason: str = ""
) -> int:
    """Write the simple-history row of each of `pks` as it is now in the database: ONE `INSERT ...
    SELECT` (what `bulk_update_with_history` does with a Python object per row). `history_type` is
    "+" after the rows were created, "~" after they were changed."""
    if not pks:
        return 0
    historical = model.history.model  # type: ignore[attr-defined]
    tracked = [field.column for field in historical.tracked_fields]
    columns = ", ".join(connection.ops.quote_name(column) for column in tracked)
    user_id = acting_user.pk if getattr(acting_user, "pk", None) else None
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {historical._meta.db_table} ({columns}, history_date, history_change_reason, history_type, "
            f"history_user_id, correlation_id) SELECT {columns}, %s, %s, %s, %s, %s FROM {model._meta.db_table} "
            f"WHERE {connection.ops.quote_name(model._meta.pk.column)} = ANY(%s)",
            [timezone.now(), reason or None, history_type, user_id, get_correlation_id(), list(pks)],
        )
        return cursor.rowcount
