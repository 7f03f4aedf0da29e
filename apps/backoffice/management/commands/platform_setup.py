import logging
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.billing.run import billing_run
from apps.tenancy.services import platform_tenant_ensure, tenant_template_ensure
from apps.tenancy.usage import usage_aggregate

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Bring a database up to date, idempotently: migrate the public schema, ensure the platform tenant "
        "and the tenant template, migrate every tenant schema, sync the beat schedule, load reference fixtures, "
        "seed demo data and catch the billing run up to now. A problem seeding demo data or billing is reported "
        "and the setup goes on (`make run` still starts)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-demo", action="store_true", help="Skip seed_demo.")
        parser.add_argument("--no-billing-run", action="store_true", help="Skip the billing run catch-up.")

    def step(self, message: str) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING(f"==> {message}"))

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = {"verbosity": max(options["verbosity"] - 1, 0)}
        self.step("Migrating the public schema (the first run takes about 2 minutes: dj-stripe)")
        call_command("migrate_schemas", shared=True, interactive=False, **quiet)
        platform_tenant_ensure()
        self.step("Migrating the tenant template schema (first run: about 1.5 minutes)")
        tenant_template_ensure(**quiet)
        self.step("Migrating tenant schemas that are behind")
        # Not `migrate_schemas --tenant`: that plans a migrate in every schema even when none is behind.
        call_command("migrate_tenants", **quiet)
        self.step("Syncing staff roles")
        call_command("sync_staff_roles", **quiet)
        self.step("Syncing the periodic tasks the apps declare into the beat schedule")
        call_command("schedules_sync", **quiet)
        self.step("Loading reference data")
        call_command("load_reference_data", **quiet)
        self.step("Seeding support SLA targets per plan and priority (existing rows are kept)")
        from apps.support.sla import sla_policies_seed

        sla_policies_seed()
        if not options["no_demo"]:
            self.step("Seeding demo data")
            self.not_fatal("seed_demo", lambda: call_command("seed_demo"))
        self.step("Starting a subscription for every tenant that never had one")
        self.not_fatal("billing_subscriptions_ensure", lambda: call_command("billing_subscriptions_ensure", **quiet))
        if not options["no_billing_run"]:
            self.step("Catching up the billing run: renewing and charging everything due up to now")
            self.not_fatal("the billing run", self.billing_catch_up)
        self.step("Recording today's usage so far (the nightly task does this every day)")
        self.not_fatal("the usage roll-up", lambda: usage_aggregate(day=timezone.now().date()))

    def billing_catch_up(self) -> None:
        """The daily billing run, once now: a stack that was stopped over a renewal date (or demo data
        seeded weeks ago) bills what fell due meanwhile. Idempotent per period (apps/billing/run.py)."""
        result = billing_run()
        self.stdout.write(
            f"    billing run: {result['due']} subscription(s) due, {result['issued']} invoice(s) issued, "
            f"{result['ended']} ended, {result.get('payments_succeeded', 0)} payment(s) succeeded, "
            f"{result.get('payments_failed', 0)} failed, "
            f"{result.get('errors', 0) + result.get('payments_errors', 0)} error(s)"
        )

    def not_fatal(self, what: str, run: Any) -> None:
        """Run a step whose failure must not stop the start: report it (stderr and log) and go on."""
        try:
            run()
        except Exception as exc:
            logger.exception("platform_setup: %s failed", what)
            self.stderr.write(
                f"platform_setup: {what} failed ({exc.__class__.__name__}: {exc}); going on without it. "
                "Run it again by hand to see the whole error."
            )
