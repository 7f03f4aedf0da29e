from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.tenancy.services import platform_tenant_ensure


class Command(BaseCommand):
    help = "Create (idempotently) the public tenant that serves the platform domain."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--domain", default=settings.PLATFORM_DOMAIN, help="Platform hostname (PLATFORM_DOMAIN).")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = platform_tenant_ensure(domain=options["domain"])
        self.stdout.write(f"Platform tenant ready on {options['domain']} (schema {tenant.schema_name}).")
