from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.logs.archive import ArchiveError, archive_and_prune, archives_verify


class Command(BaseCommand):
    help = (
        "Archive technical logs older than TECH_LOG_RETENTION_DAYS to gzip JSON lines under ARCHIVE_ROOT, "
        "then delete them (resumes an interrupted run). --verify re-checks every archive's checksum."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would be archived; change nothing.")
        parser.add_argument("--before", help="Archive rows before this ISO date/time (UTC if no zone).")
        parser.add_argument("--verify", action="store_true", help="Only verify existing archive files.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verify"]:
            return self._verify()
        before = None
        if options["before"]:
            try:
                before = datetime.fromisoformat(options["before"])
            except ValueError as exc:
                raise CommandError(f"--before must be an ISO date or date-time: {exc}") from exc
            before = before if before.tzinfo else before.replace(tzinfo=UTC)
        try:
            report = archive_and_prune(before=before, dry_run=options["dry_run"])
        except ArchiveError as exc:
            raise CommandError(str(exc)) from exc
        if report.skipped:
            raise CommandError("Another archive run holds the lock; nothing done.")
        verb = "Would archive" if report.dry_run else "Archived"
        for table, rows in sorted(report.by_table.items()):
            self.stdout.write(f"{verb} {rows} {table} row(s) before {report.cutoff:%Y-%m-%d}.")
        for name in report.dropped_partitions:
            self.stdout.write(f"Dropped partition {name}.")
        self.stdout.write(self.style.SUCCESS(f"{verb} {report.rows} row(s) in {report.files} chunk(s)."))

    def _verify(self) -> None:
        failures = archives_verify()
        for manifest, problem in failures:
            self.stderr.write(f"{manifest.path}: {problem}")
        if failures:
            raise CommandError(f"{len(failures)} archive file(s) failed verification.")
        self.stdout.write(self.style.SUCCESS("Every archive file matches its checksum."))
