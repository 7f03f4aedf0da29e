import json
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


@transaction.atomic
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
    chain = _chain_for(tenant)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"audit:{chain}"])
    last = AuditEvent.objects.filter(chain=chain).order_by("-sequence").values("sequence", "hash").first()
    client_ip, client_agent = get_client()
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
    is_user = acting_user is not None and getattr(acting_user, "is_authenticated", False)
    if subject_user is None and target is not None and target._meta.label_lower == "accounts.user":
        subject_user = target
    subject_id = subject_user.pk if subject_user is not None else (acting_user.pk if is_user else None)
    pii = Pseudonymiser(subject_id)
    actor_pii = Pseudonymiser(acting_user.pk if is_user else None)  # the client is the actor's
    raw_ip = ip_address if ip_address is not None else client_ip
    raw_agent = (user_agent if user_agent is not None else client_agent)[:512]
    event = AuditEvent(
        chain=chain,
        sequence=(last["sequence"] + 1) if last else 1,
        tenant_id=tenant.pk if tenant is not None else None,
        actor_id=acting_user.pk if is_user else None,
        actor_label=getattr(acting_user, "code", "") if is_user else "system",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before=pii.payload(_jsonable(before)),
        after=pii.payload(_jsonable(after)),
        ip_address=None,
        ip_pseudonym=actor_pii.value(raw_ip) or "",
        user_agent=actor_pii.value(raw_agent) or "",
        hash_version=HASH_VERSION,
        correlation_id=get_correlation_id(),
        created_at=timezone.now(),
        prev_hash=last["hash"] if last else GENESIS_HASH,
    )
    event.hash = compute_hash(event, event.prev_hash)
    Pseudonymiser.store(pii, actor_pii)
    event.save(force_insert=True)
    return event
