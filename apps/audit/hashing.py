"""The audit chain's hash: SHA-256 over a canonical JSON of the row and the previous hash."""

import hashlib
import json
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="microseconds")


def event_payload(event: Any) -> dict[str, Any]:
    payload = {
        "uuid": str(event.uuid),
        "chain": event.chain,
        "sequence": event.sequence,
        "tenant": str(event.tenant_id) if event.tenant_id else None,
        "actor": str(event.actor_id) if event.actor_id else None,
        "actor_label": event.actor_label,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "before": event.before,
        "after": event.after,
        "ip_address": event.ip_address,
        "user_agent": event.user_agent,
        "correlation_id": event.correlation_id,
        "created_at": _iso(event.created_at),
    }
    if (getattr(event, "hash_version", 1) or 1) >= 2:
        # Version 2: the client IP is hashed as its pseudonym (stored in ip_pseudonym).
        payload["ip_address"] = event.ip_pseudonym or None
        payload["v"] = 2
    return payload


def compute_hash(event: Any, prev_hash: str) -> str:
    body = json.dumps(event_payload(event), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()
