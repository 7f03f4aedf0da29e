"""manage.py tenant_restore FILE [--into-new SCHEMA | --over-archived SCHEMA] (docs/backup.md)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.backups.archive import ArchiveRefused
from apps.backups.restoring import RestoreFailed, tenant_restore


class Command(BaseCommand):
    help = "Restore a tenant archive into a new schema or over an archived tenant, then check it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The archive written by tenant_export.")
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--into-new", metavar="SCHEMA", help="A new schema (default: the archive's own).")
        target.add_argument("--over-archived", metavar="SCHEMA", help="The archived tenant to restore over.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No archive at {path}.")
        try:
            report = tenant_restore(
                token=path.read_bytes(), into_new=options["into_new"], over_archived=options["over_archived"]
            )
        except ArchiveRefused as exc:
            raise CommandError(f"Refused, nothing was written: {exc}") from exc
        except RestoreFailed as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(found for _expected, found in report.counts.values())
        self.stdout.write(
            f"Restored tenant {report.tenant_id} into schema {report.schema_name}: row counts match the manifest "
            f"({len(report.counts)} tables, {rows} rows); users {report.users_created} created, "
            f"{report.users_matched} matched by email; audit chain verified ({report.audit_checked} events)."
        )
