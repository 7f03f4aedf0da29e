"""Retention of technical logs: export rows past retention to gzip JSON lines, verify, then delete.

One file per table per UTC day (a later `part` if rows of an archived day turn up). Each file has a
`LogArchive` manifest row that moves pending -> written -> complete; every step commits on its own,
so a run killed anywhere is finished by the next run:

- pending: the file is (re)written from the rows, which are all still there; its SHA-256 and line
  count are checked after writing, then the manifest becomes `written`.
- written: the ids listed in the verified file are deleted in batches (deleting twice is a no-op),
  then the manifest becomes `complete`.

Rows are only ever deleted by id from a verified file, so a row is never lost nor archived twice.
"""

import gzip
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import Count, Max
from django.db.models.functions import TruncDay
from django.utils import timezone

from .models import LogArchive, LogArchiveStatus, LogTable
from .partitions import partitions_drop_expired, partitions_ensure

logger = logging.getLogger(__name__)

MODELS = {
    LogTable.API_REQUEST: "logs.ApiRequestLog",
    LogTable.APPLICATION_ERROR: "logs.ApplicationError",
    LogTable.AUTH_EVENT: "security.AuthEvent",
    LogTable.EMAIL_DELIVERY: "emails.EmailDelivery",
}
DELETE_BATCH = 5000
_LOCK = "logs.archive_and_prune"


class ArchiveError(Exception):
    pass


@dataclass
class ArchiveReport:
    cutoff: datetime
    dry_run: bool = False
    files: int = 0
    rows: int = 0
    by_table: dict[str, int] = field(default_factory=dict)
    dropped_partitions: list[str] = field(default_factory=list)
    skipped: bool = False

    def add(self, table: str, rows: int) -> None:
        self.files += 1
        self.rows += rows
        self.by_table[table] = self.by_table.get(table, 0) + rows


def archive_root() -> Path:
    return Path(settings.ARCHIVE_ROOT)


def retention_cutoff(*, before: datetime | None = None) -> datetime:
    """Start of the UTC day before which rows are archived (whole days only)."""
    when = before or timezone.now() - timedelta(days=int(settings.TECH_LOG_RETENTION_DAYS))
    when = when.astimezone(UTC)
    return datetime(when.year, when.month, when.day, tzinfo=UTC)


def _model(table: str) -> type[models.Model]:
    return apps.get_model(MODELS[LogTable(table)])


def _columns(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _rows(manifest: LogArchive) -> Iterator[dict]:
    model = _model(manifest.table)
    qs = model._default_manager.filter(created_at__gte=manifest.range_start, created_at__lt=manifest.range_end)
    return qs.order_by("id").values(*_columns(model)).iterator(chunk_size=2000)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _file_ids(path: Path) -> Iterator[int]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)["id"]


def _relative_path(manifest: LogArchive) -> str:
    day = manifest.range_start
    return f"{manifest.table}/{day:%Y}/{day:%m}/{manifest.table}-{day:%Y-%m-%d}-part{manifest.part}.jsonl.gz"


def _write_file(manifest: LogArchive) -> tuple[str, int, int | None]:
    """Write the manifest's rows to <path>.tmp, fsync, move into place; return (path, rows, max id)."""
    relative = _relative_path(manifest)
    final = archive_root() / relative
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(final.name + ".tmp")
    count, last_id = 0, None
    with temporary.open("wb") as raw:
        # mtime=0: the same rows always give the same bytes, so a rewrite gives the same checksum.
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
            for row in _rows(manifest):
                handle.write(json.dumps(row, cls=DjangoJSONEncoder, sort_keys=True).encode() + b"\n")
                count, last_id = count + 1, row["id"]
        raw.flush()
        os.fsync(raw.fileno())
    os.replace(temporary, final)
    return relative, count, last_id


def archive_file_check(manifest: LogArchive) -> str:
    """'' if the file exists and matches its checksum and row count, else what is wrong."""
    path = archive_root() / manifest.path
    if not manifest.path or not path.is_file():
        return f"file {manifest.path or '(none)'} is missing"
    if _file_sha256(path) != manifest.sha256:
        return "SHA-256 does not match the manifest"
    lines = sum(1 for _ in _file_ids(path))
    if lines != manifest.row_count:
        return f"{lines} rows in the file, {manifest.row_count} in the manifest"
    return ""


def _export(manifest: LogArchive) -> None:
    relative, count, last_id = _write_file(manifest)
    path = archive_root() / relative
    with transaction.atomic():
        manifest.path, manifest.row_count, manifest.last_id = relative, count, last_id
        manifest.sha256 = _file_sha256(path)
        problem = archive_file_check(manifest)
        if problem:
            raise ArchiveError(f"Archive {relative} failed verification after writing: {problem}")
        manifest.status, manifest.verified_at = LogArchiveStatus.WRITTEN, timezone.now()
        manifest.save(update_fields=["path", "row_count", "last_id", "sha256", "status", "verified_at"])


def _delete_batch(manifest: LogArchive, ids: list[int]) -> int:
    model = _model(manifest.table)
    with transaction.atomic():
        deleted, _ = model._default_manager.filter(
            created_at__gte=manifest.range_start, created_at__lt=manifest.range_end, id__in=ids
        ).delete()
    return deleted


def _prune(manifest: LogArchive) -> None:
    problem = archive_file_check(manifest)
    if problem:
        raise ArchiveError(f"Refusing to delete rows of {manifest}: {problem}")
    batch: list[int] = []
    for row_id in _file_ids(archive_root() / manifest.path):
        batch.append(row_id)
        if len(batch) >= DELETE_BATCH:
            _delete_batch(manifest, batch)
            batch = []
    if batch:
        _delete_batch(manifest, batch)
    manifest.status, manifest.completed_at = LogArchiveStatus.COMPLETE, timezone.now()
    manifest.save(update_fields=["status", "completed_at"])


def archive_chunk_process(manifest: LogArchive) -> int:
    """Take one manifest from wherever it stopped to complete; return the rows it archived."""
    if manifest.status == LogArchiveStatus.PENDING:
        _export(manifest)
    if manifest.status == LogArchiveStatus.WRITTEN:
        _prune(manifest)
    return manifest.row_count


def _oldest_day(table: str, cutoff: datetime) -> datetime | None:
    oldest = (
        _model(table)
        ._default_manager.filter(created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return None if oldest is None else retention_cutoff(before=oldest)


@transaction.atomic
def _new_manifest(table: str, start: datetime) -> LogArchive:
    last_part = LogArchive.objects.filter(table=table, range_start=start).aggregate(m=Max("part"))["m"] or 0
    return LogArchive.objects.create(
        table=table, range_start=start, range_end=start + timedelta(days=1), part=last_part + 1
    )


def _archive_table(table: str, cutoff: datetime, report: ArchiveReport) -> None:
    unfinished = LogArchive.objects.filter(table=table).exclude(status=LogArchiveStatus.COMPLETE).order_by("id")
    for manifest in unfinished:
        report.add(table, archive_chunk_process(manifest))
    done: set[datetime] = set()
    while (day := _oldest_day(table, cutoff)) is not None and day not in done:
        # A day is taken once per run: rows that are still there afterwards wait for the next run.
        done.add(day)
        report.add(table, archive_chunk_process(_new_manifest(table, day)))


def _dry_run(cutoff: datetime, report: ArchiveReport) -> None:
    for table in LogTable.values:
        days = (
            _model(table)
            ._default_manager.filter(created_at__lt=cutoff)
            .annotate(day=TruncDay("created_at", tzinfo=UTC))
            .order_by()
            .values("day")
            .annotate(n=Count("id"))
        )
        for day in days:
            report.add(table, day["n"])


def _try_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [_LOCK])
        return bool(cursor.fetchone()[0])


def _unlock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [_LOCK])


def archive_and_prune(*, before: datetime | None = None, dry_run: bool = False) -> ArchiveReport:
    """Archive and delete every technical log row older than the cutoff; keep partitions in shape.

    Audit events and history rows are not touched (kept AUDIT_RETENTION_YEARS; see docs/retention.md).
    """
    report = ArchiveReport(cutoff=retention_cutoff(before=before), dry_run=dry_run)
    if dry_run:
        _dry_run(report.cutoff, report)
        return report
    if not _try_lock():
        report.skipped = True
        return report
    try:
        partitions_ensure()
        for table in LogTable.values:
            _archive_table(table, report.cutoff, report)
        report.dropped_partitions = partitions_drop_expired(before=report.cutoff)
    finally:
        _unlock()
    return report


def archives_verify() -> list[tuple[LogArchive, str]]:
    """Re-check every written or complete archive file; return the ones that fail and why."""
    failures = []
    for manifest in LogArchive.objects.exclude(status=LogArchiveStatus.PENDING).order_by("id").iterator():
        problem = archive_file_check(manifest)
        if problem:
            failures.append((manifest, problem))
        else:
            LogArchive.objects.filter(pk=manifest.pk).update(verified_at=timezone.now())
    return failures
