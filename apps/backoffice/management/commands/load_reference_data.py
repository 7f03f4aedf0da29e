from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from apps.reference.loader import reference_data_load


class Command(BaseCommand):
    help = (
        "Load every fixture in fixtures/ (reference data: countries, plans, settings ...). Idempotent: rows are keyed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # countries.json is an overlay (tax, providers) on the full ISO list built by reference_data_load,
        # keyed by country code rather than by pk.
        fixtures = [f for f in sorted(Path(settings.BASE_DIR, "fixtures").glob("*.json")) if f.name != "countries.json"]
        for fixture in fixtures:
            call_command("loaddata", str(fixture), verbosity=options["verbosity"])
        self.stdout.write(f"Reference data: {len(fixtures)} fixture file(s) loaded.")
        reference_data_load(stdout=self.stdout if options["verbosity"] else None)
