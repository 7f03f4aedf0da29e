from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.tenancy.services import tenant_create


class Command(BaseCommand):
    help = "Create a tenant: register it, clone its schema from the template and add <slug>.<platform domain>."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug")
        parser.add_argument("name")
        parser.add_argument("--domain", help="Primary hostname (default: <slug>.<PLATFORM_DOMAIN>).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            tenant = tenant_create(
                name=options["name"], slug=options["slug"], domain=options["domain"], acting_user=None
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        self.stdout.write(self.style.SUCCESS(f"Tenant {tenant.slug} created in schema {tenant.schema_name}."))
