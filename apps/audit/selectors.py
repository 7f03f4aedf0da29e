from collections.abc import Iterator
from dataclasses import dataclass

from .hashing import GENESIS_HASH, compute_hash
from .models import AuditEvent


@dataclass(frozen=True)
class ChainBreak:
    chain: str
    event_id: int
    sequence: int
    reason: str


def audit_chains() -> list[str]:
    return list(AuditEvent.objects.order_by().values_list("chain", flat=True).distinct())


def audit_chain_verify(chain: str, *, chunk_size: int = 2000) -> tuple[int, ChainBreak | None]:
    """Walk one chain in sequence order; return rows checked and the first break, if any."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    events: Iterator[AuditEvent] = (
        AuditEvent.objects.filter(chain=chain).order_by("sequence").iterator(chunk_size=chunk_size)
    )
    for event in events:
        checked += 1
        reason = ""
        if event.sequence != expected_seq:
            reason = f"sequence {event.sequence} found where {expected_seq} was expected (a row is missing)"
        elif event.prev_hash != expected_prev:
            reason = "prev_hash does not match the previous row's hash"
        elif compute_hash(event, event.prev_hash) != event.hash:
            reason = "row content does not match its hash (the row was altered)"
        if reason:
            return checked, ChainBreak(chain, event.id, event.sequence, reason)
        expected_prev, expected_seq = event.hash, event.sequence + 1
    return checked, None
