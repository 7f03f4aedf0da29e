"""manage.py tenant_export SCHEMA --out FILE: one tenant as one encrypted archive (docs/backup.md)."""

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.backups.exporting import tenant_export


class Command(BaseCommand):
    help = "Export one tenant (its schema and its public rows) to an encrypted archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("schema", help="The tenant's schema name, e.g. t_acme.")
        parser.add_argument("--out", required=True, help="The archive file to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        try:
            token, manifest = tenant_export(schema_name=options["schema"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        partial = out.with_name(out.name + ".partial")
        partial.write_bytes(token)
        os.replace(partial, out)  # a killed export never leaves a half file under the final name
        rows = sum(t["rows"] for section in manifest["tables"].values() for t in section.values())
        self.stdout.write(
            f"Exported {manifest['tenant']['name']} ({manifest['tenant']['schema_name']}): {rows} rows in "
            f"{sum(len(s) for s in manifest['tables'].values())} tables, audit head #{manifest['audit']['sequence']}, "
            f"{len(token)} bytes to {out}"
        )
