from typing import Any

from django.core.management.base import BaseCommand

from apps.audit.checkpoints import audit_checkpoint_take


class Command(BaseCommand):
    help = "Sign every audit chain's head now (table + JSON-lines file); audit_verify checks the newest ones."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = audit_checkpoint_take()
        self.stdout.write(self.style.SUCCESS(f"Audit checkpoints written: {len(rows)} chain(s)."))
