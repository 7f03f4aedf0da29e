from typing import Any

from django.core.management.base import BaseCommand

from apps.backoffice.schedules import schedules_sync


class Command(BaseCommand):
    help = (
        "Write every periodic task the apps declare (PeriodicTask in apps/<app>/contributions.py) into the beat "
        "schedule, keyed by name; disable rows no app declares; keep timings staff edited in the admin. Idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report, notes = schedules_sync()
        for note in notes:
            self.stdout.write(self.style.WARNING(note) if note.startswith("kept") else note)
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Schedules: {len(report.created)} created, {len(report.updated)} updated, "
                f"{len(report.enabled)} enabled again, {len(report.disabled)} disabled, "
                f"{len(report.kept)} kept as edited, {len(report.unchanged)} unchanged."
            )
