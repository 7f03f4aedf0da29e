import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from apps.core.correlation import get_client, get_correlation_id

from .hashing import GENESIS_HASH, compute_hash
from .models import PLATFORM_CHAIN, AuditEvent
from .pseudonyms import Pseudonymiser

HASH_VERSION = 2


def _jsonable(value: Any) -> Any:
    # Store exactly what is hashed: Decimals, dates and UUIDs become strings once, here.
    return None if value is None else json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _chain_for(tenant: Any) -> str:
    return str(tenant.pk) if tenant is not None else PLATFORM_CHAIN


@dataclass
class PendingAuditEvent:
    """One event to append (see `audit_record` for the fields)."""

    action: str
    tenant: Any = None
    target: models.Model | None = None
    acting_user: Any = None
    before: Any = None
    after: Any = None
    target_type: str = ""
    target_id: str = ""
    ip_address: str | None = None
    user_agent: str | None = None
    subject_user: Any = None


def audit_record(
    *,
    action: str,
    acting_user: Any = None,
    tenant: Any = None,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    before: Any = None,
    after: Any = None,
    ip_address: str | None = None,
    user_agent: str | None = None,
    subject_user: Any = None,
) -> AuditEvent:
    """Append one event to the tenant's (or the platform's) audit chain.

    Writers of one chain are serialised by a transaction-scoped advisory lock, so two concurrent
    writers cannot both link to the same previous row (the unique constraints back this up).

    Personal values (emails, names, phone numbers, the client IP and user agent) are stored as
    pseudonyms whose real value sits in the PII vault (``apps.audit.pseudonyms``), keyed to the
    person they are about: ``subject_user``, else the target when it is a user, else the actor.
    """
    (event,) = audit_record_many([
        PendingAuditEvent(action=action, tenant=tenant, target=target, acting_user=acting_user, before=before,
                          after=after, target_type=target_type, target_id=str(target_id), ip_address=ip_address,
                          user_agent=user_agent, subject_user=subject_user)
    ])  # fmt: skip
    return event


def _chain_heads(chains: list[str]) -> dict[str, tuple[int, str]]:
    """Lock the chains (sorted: a fixed order, so two writers of several chains cannot deadlock) and
    return each one's (last sequence, last hash), in one query."""
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
    """Append `pending` to their chains (in list order within a chain): the chains locked and their
    heads read in two queries, the PII vault written in one, the events inserted in one (batch jobs
    such as the billing run use it directly; `audit_record` is a batch of one)."""
    if not pending:
        return []
    heads = _chain_heads(sorted({_chain_for(item.tenant) for item in pending}))
    client_ip, client_agent = get_client()
    correlation_id, now = get_correlation_id(), timezone.now()
    events: list[AuditEvent] = []
    vault: list[Pseudonymiser] = []
    for item in pending:
        chain = _chain_for(item.tenant)
        sequence, prev_hash = heads.get(chain, (0, GENESIS_HASH))
        acting_user, target = item.acting_user, item.target
        is_user = acting_user is not None and getattr(acting_user, "is_authenticated", False)
        subject_user = item.subject_user
        if subject_user is None and target is not None and target._meta.label_lower == "accounts.user":
            subject_user = target
        subject_id = subject_user.pk if subject_user is not None else (acting_user.pk if is_user else None)
        pii = Pseudonymiser(subject_id)
        actor_pii = Pseudonymiser(acting_user.pk if is_user else None)  # the client is the actor's
        vault += [pii, actor_pii]
        raw_ip = item.ip_address if item.ip_address is not None else client_ip
        raw_agent = (item.user_agent if item.user_agent is not None else client_agent or "")[:512]
        event = AuditEvent(
            chain=chain,
            sequence=sequence + 1,
            tenant_id=item.tenant.pk if item.tenant is not None else None,
            actor_id=acting_user.pk if is_user else None,
            actor_label=getattr(acting_user, "code", "") if is_user else "system",
            action=item.action,
            target_type=item.target_type or (target._meta.label_lower if target is not None else ""),
            target_id=item.target_id or (str(target.pk) if target is not None else ""),
            before=pii.payload(_jsonable(item.before)),
            after=pii.payload(_jsonable(item.after)),
            ip_address=None,
            ip_pseudonym=actor_pii.value(raw_ip) or "",
            user_agent=actor_pii.value(raw_agent) or "",
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
