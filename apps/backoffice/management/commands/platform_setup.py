from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.tenancy.services import platform_tenant_ensure, tenant_template_ensure
from apps.tenancy.usage import usage_aggregate


class Command(BaseCommand):
    help = (
        "Bring a database up to date, idempotently: migrate the public schema, ensure the platform tenant "
        "and the tenant template, migrate every tenant schema, sync the beat schedule, load reference fixtures and "
        "seed demo data."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-demo", action="store_true", help="Skip seed_demo.")

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
            call_command("seed_demo")
        self.step("Starting a subscription for every tenant that never had one")
        call_command("billing_subscriptions_ensure", **quiet)
        self.step("Recording today's usage so far (the nightly task does this every day)")
        usage_aggregate(day=timezone.now().date())
