from typing import Any

from django.core.management.base import BaseCommand

from apps.tenancy.services import tenant_template_ensure


class Command(BaseCommand):
    help = "Create or bring up to date the template schema that new tenants are cloned from."

    def handle(self, *args: Any, **options: Any) -> None:
        template = tenant_template_ensure(verbosity=max(options["verbosity"] - 1, 0))
        self.stdout.write(f"Tenant template schema {template.schema_name} is migrated.")
