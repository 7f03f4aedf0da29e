"""Run the billing run now (what the daily beat task does): `manage.py billing_run [--now ISO] [--workers N]`."""

import json
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from apps.billing.run import billing_run
from apps.core.correlation import correlation_scope


class Command(BaseCommand):
    help = "Renew every subscription whose period has ended: issue invoices, charge them, advance periods."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="Run as of this ISO 8601 time (default: now; naive means UTC).")
        parser.add_argument("--workers", type=int, default=1, help="Worker processes (default 1).")

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options["now"]:
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError(f"--now: {exc}") from exc
            if now.tzinfo is None:
                now = now.replace(tzinfo=UTC)
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1.")
        # One correlation id per run (as the beat task gets one): its invoices, payments and emails share it.
        with schema_context("public"), correlation_scope():
            result = billing_run(now=now, workers=options["workers"])
        self.stdout.write(json.dumps(result, default=str))
