from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.keyrotation import field_encryption_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every *_encrypted value with the first key of FIELD_ENCRYPTION_KEYS, in public and every "
        "tenant schema, in batches; values already under it are left alone (safe to run again)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count the values that need re-encrypting.")
        parser.add_argument("--batch-size", type=int, default=500, help="Rows locked and written per transaction.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        dry_run = options["dry_run"]
        counts = field_encryption_rotate(batch_size=options["batch_size"], dry_run=dry_run)
        for count in counts:
            if count.stale or count.unreadable or options["verbosity"] > 1:
                self.stdout.write(
                    f"{count.schema}.{count.table} ({', '.join(count.fields)}): {count.checked} value(s), "
                    f"{count.stale} {'to re-encrypt' if dry_run else 're-encrypted'}, {count.unreadable} unreadable"
                )
        stale, unreadable = sum(c.stale for c in counts), sum(c.unreadable for c in counts)
        verb = "would be re-encrypted (dry run)" if dry_run else "re-encrypted"
        self.stdout.write(f"{stale} value(s) {verb} in {len(counts)} table(s).")
        if unreadable:
            where = "; ".join(
                f"{c.schema}.{c.table} pk {', '.join(c.unreadable_pks[:5])}" for c in counts if c.unreadable
            )
            raise CommandError(
                f"{unreadable} value(s) open with no key in FIELD_ENCRYPTION_KEYS ({where}): add the key they were "
                "written with to the list and run again."
            )
