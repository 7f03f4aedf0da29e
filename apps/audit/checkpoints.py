"""Signed checkpoints of every audit chain's head, kept outside the audit table.

The hash chain shows an edited or deleted row in the middle, but not rows deleted at the end: what
is left still links up. A checkpoint records a chain's last sequence, last hash and row count, signed
with HMAC-SHA256 under AUDIT_CHECKPOINT_KEY (from the environment; the database never holds it), so
whoever can write the database can neither forge one nor make a shortened chain match one.

Each checkpoint is written twice: to the ``AuditCheckpoint`` table (queried set-based by
``audit_verify``) and appended to a JSON-lines file per UTC day under AUDIT_CHECKPOINT_DIR. The file
is the anchor a database superuser cannot reach: deleting the newest audit rows AND the newest
checkpoint rows still leaves the file's checkpoints, which the shortened chain fails. Ship the
directory to write-once storage (docs/hardening.md).
"""

import fcntl
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import AuditCheckpoint, AuditEvent

SIGNATURE_VERSION = 1


@dataclass(frozen=True)
class Head:
    """A chain's head as the table shows it now (or as a checkpoint recorded it)."""

    chain: str
    sequence: int
    head_hash: str
    event_count: int


@dataclass(frozen=True)
class CheckpointProblem:
    chain: str
    source: str  # "table" or the file's name
    reason: str


def _key() -> bytes:
    return settings.AUDIT_CHECKPOINT_KEY.encode()


def key_id() -> str:
    return hashlib.sha256(_key()).hexdigest()[:12]


def _stamp(taken_at: datetime) -> str:
    return taken_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def checkpoint_sign(head: Head, taken_at: datetime) -> str:
    """HMAC-SHA256 over a canonical JSON of the head and the time it was taken."""
    body = json.dumps(
        {"v": SIGNATURE_VERSION, "chain": head.chain, "sequence": head.sequence, "hash": head.head_hash,
         "count": head.event_count, "taken_at": _stamp(taken_at)},
        sort_keys=True, separators=(",", ":"),
    )  # fmt: skip
    return hmac.new(_key(), body.encode(), hashlib.sha256).hexdigest()


def chain_heads() -> list[Head]:
    """Every chain's last sequence, last hash and row count, in one query (no loop per tenant)."""
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT e.chain, e.sequence, e.hash, g.n
              FROM (SELECT chain, max(sequence) AS s, count(*) AS n FROM {table} GROUP BY chain) g
              JOIN {table} e ON e.chain = g.chain AND e.sequence = g.s
             ORDER BY e.chain
            """
        )
        return [Head(chain, sequence, hash_, count) for chain, sequence, hash_, count in cursor.fetchall()]


def _file_for(taken_at: datetime) -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR) / f"{taken_at.astimezone(UTC):%Y-%m-%d}.jsonl"


def _append_lines(path: Path, rows: list[AuditCheckpoint]) -> None:
    """Append one line per checkpoint under an exclusive lock (beat and the command may overlap)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(
        json.dumps({"chain": r.chain, "sequence": r.sequence, "hash": r.head_hash, "count": r.event_count,
                    "taken_at": _stamp(r.taken_at), "key_id": r.key_id, "signature": r.signature},
                   sort_keys=True) + "\n"
        for r in rows
    )  # fmt: skip
    with path.open("a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write(lines)
        handle.flush()


def audit_checkpoint_take() -> list[AuditCheckpoint]:
    """Sign every chain's head now: one query for the heads, one insert, one file append."""
    taken_at, kid = timezone.now(), key_id()
    rows = [
        AuditCheckpoint(chain=h.chain, sequence=h.sequence, head_hash=h.head_hash, event_count=h.event_count,
                        taken_at=taken_at, key_id=kid, signature=checkpoint_sign(h, taken_at))
        for h in chain_heads()
    ]  # fmt: skip
    with transaction.atomic():
        created = AuditCheckpoint.objects.bulk_create(rows)
    if created:
        _append_lines(_file_for(taken_at), created)
    return created


def newest_table_checkpoints() -> list[AuditCheckpoint]:
    """The newest checkpoint of each chain, in one query (DISTINCT ON over the (chain, -id) index)."""
    return list(AuditCheckpoint.objects.order_by("chain", "-id").distinct("chain"))


def newest_file_checkpoints(directory: Path | None = None) -> tuple[str, list[AuditCheckpoint]]:
    """The newest checkpoint of each chain in the newest day file; ("", []) when there is none."""
    folder = directory or Path(settings.AUDIT_CHECKPOINT_DIR)
    files = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    if not files:
        return "", []
    newest: dict[str, AuditCheckpoint] = {}
    for number, line in enumerate(files[-1].read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            newest[data["chain"]] = AuditCheckpoint(
                chain=data["chain"], sequence=int(data["sequence"]), head_hash=data["hash"],
                event_count=int(data["count"]), taken_at=datetime.fromisoformat(data["taken_at"]),
                key_id=data["key_id"], signature=data["signature"],
            )  # fmt: skip
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{files[-1]} line {number} is not a checkpoint: {exc}") from exc
    return files[-1].name, list(newest.values())


def _signature_problem(cp: AuditCheckpoint) -> str:
    head = Head(cp.chain, cp.sequence, cp.head_hash, cp.event_count)
    if hmac.compare_digest(checkpoint_sign(head, cp.taken_at), cp.signature):
        return ""
    if cp.key_id != key_id():
        return (f"checkpoint of {_stamp(cp.taken_at)} is signed with another key (key id {cp.key_id}, "
                f"AUDIT_CHECKPOINT_KEY is {key_id()})")  # fmt: skip
    return f"checkpoint of {_stamp(cp.taken_at)} has a bad signature (forged or altered)"


def _current_state(checkpoints: list[AuditCheckpoint]) -> dict[tuple[str, int], tuple[int | None, int, str | None]]:
    """For each (chain, checkpoint sequence): the chain's head now, its rows up to that sequence and
    the hash of the row at that sequence, for every checkpoint in one query."""
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT c.chain, c.seq, h.head, h.upto, r.hash
              FROM unnest(%s::text[], %s::bigint[]) AS c(chain, seq)
              LEFT JOIN LATERAL (
                   SELECT max(sequence) AS head, count(*) FILTER (WHERE sequence <= c.seq) AS upto
                     FROM {table} WHERE chain = c.chain
              ) h ON true
              LEFT JOIN {table} r ON r.chain = c.chain AND r.sequence = c.seq
            """,
            [[cp.chain for cp in checkpoints], [cp.sequence for cp in checkpoints]],
        )
        return {(chain, seq): (head, upto, hash_) for chain, seq, head, upto, hash_ in cursor.fetchall()}


def _head_problem(cp: AuditCheckpoint, state: tuple[int | None, int, str | None]) -> str:
    head, upto, row_hash = state
    when = _stamp(cp.taken_at)
    if head is None:
        return f"has no rows left, but its checkpoint of {when} recorded sequence {cp.sequence}: every row was deleted"
    if head < cp.sequence:
        return (f"head is at sequence {head}, behind its checkpoint of {when} at sequence {cp.sequence}: "
                f"rows {head + 1}..{cp.sequence} were deleted from the end")  # fmt: skip
    if row_hash != cp.head_hash:
        return f"row at sequence {cp.sequence} does not carry the hash its checkpoint of {when} recorded (rewritten)"
    if upto != cp.event_count:
        return f"has {upto} rows up to sequence {cp.sequence}, its checkpoint of {when} counted {cp.event_count}"
    return ""


def checkpoints_verify(checkpoints: list[AuditCheckpoint], *, source: str) -> list[CheckpointProblem]:
    """Check each checkpoint's signature, then the chain against it (one query for all of them)."""
    problems = [CheckpointProblem(cp.chain, source, p) for cp in checkpoints if (p := _signature_problem(cp))]
    signed = [cp for cp in checkpoints if not _signature_problem(cp)]
    state = _current_state(signed) if signed else {}
    for cp in signed:
        if reason := _head_problem(cp, state[(cp.chain, cp.sequence)]):
            problems.append(CheckpointProblem(cp.chain, source, reason))
    return problems


def audit_checkpoints_verify() -> tuple[int, list[CheckpointProblem]]:
    """Verify the newest checkpoints of the table and of the newest file: (checked, problems)."""
    table = newest_table_checkpoints()
    file_name, from_file = newest_file_checkpoints()
    problems = checkpoints_verify(table, source="checkpoint table")
    if from_file:
        problems += checkpoints_verify(from_file, source=f"checkpoint file {file_name}")
    return len(table) + len(from_file), problems
