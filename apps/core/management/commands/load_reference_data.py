from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Load every fixture in fixtures/ (reference data: countries, plans, settings ...). Idempotent: rows are keyed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        fixtures = sorted(Path(settings.BASE_DIR, "fixtures").glob("*.json"))
        for fixture in fixtures:
            call_command("loaddata", str(fixture), verbosity=options["verbosity"])
        self.stdout.write(f"Reference data: {len(fixtures)} fixture file(s) loaded.")
