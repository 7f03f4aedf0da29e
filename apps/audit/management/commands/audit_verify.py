from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.audit.checkpoints import audit_checkpoints_verify
from apps.audit.selectors import audit_chain_verify, audit_chains


class Command(BaseCommand):
    help = (
        "Re-compute the audit hash chains, then check them against their newest signed checkpoints "
        "(rows deleted at the end, forged checkpoints); exit code 1 on any problem."
    )

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
        checkpoints = self._verify_checkpoints(options["chain"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chains intact: {len(chains)} chain(s), {total} event(s), {checkpoints} checkpoint(s) matched."
            )
        )

    def _verify_checkpoints(self, only_chain: str | None) -> int:
        try:
            checked, problems = audit_checkpoints_verify()
        except ValueError as exc:  # an unreadable checkpoint file is itself a finding
            raise CommandError(f"Audit checkpoints unreadable: {exc}") from exc
        problems = [p for p in problems if only_chain in (None, p.chain)]
        if problems:
            lines = [f"Audit chain {p.chain} ({p.source}): {p.reason}." for p in problems]
            raise CommandError("\n".join(lines))
        return checked
