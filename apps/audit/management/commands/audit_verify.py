from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.audit.selectors import audit_chain_verify, audit_chains


class Command(BaseCommand):
    help = "Re-compute the audit hash chains and report the first broken row (exit code 1 if any)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--chain", help="Verify one chain only: a tenant id or 'platform'.")

    def handle(self, *args: Any, **options: Any) -> None:
        chains = [options["chain"]] if options["chain"] else audit_chains()
        total = 0
        for chain in chains:
            checked, broken = audit_chain_verify(chain)
            total += checked
            if broken:
                raise CommandError(
                    f"Audit chain {broken.chain} is broken at event id={broken.event_id} "
                    f"sequence={broken.sequence}: {broken.reason}."
                )
        self.stdout.write(self.style.SUCCESS(f"Audit chains intact: {len(chains)} chain(s), {total} event(s)."))
