"""Rebuild form analytics from the submissions (repair): one template, or every template of a tenant."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name, schema_context

from apps.forms.models import FormTemplate
from apps.formstats.rollup import rollup_rebuild
from apps.tenancy.models import Tenant


class Command(BaseCommand):
    help = ("Rebuild the per-field rollups of a tenant's forms from their submissions (idempotent: the result is "
            "what the submissions say, however often it runs).")  # fmt: skip

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tenant", required=True, help="The tenant's slug or schema name.")
        parser.add_argument("--template", type=int, help="One form template's id (default: every template).")

    def handle(self, *args: Any, **options: Any) -> None:
        with schema_context(get_public_schema_name()):
            tenant = Tenant.objects.filter(slug=options["tenant"]).first() or \
                Tenant.objects.filter(schema_name=options["tenant"]).first()  # fmt: skip
        if tenant is None:
            raise CommandError(f"No tenant {options['tenant']!r}.")
        with schema_context(tenant.schema_name):
            templates = FormTemplate.objects.order_by("pk")
            if options["template"] is not None:
                templates = templates.filter(pk=options["template"])
                if not templates.exists():
                    raise CommandError(f"No form template {options['template']} in {tenant.slug}.")
            ids = list(templates.values_list("pk", flat=True))
            for i, pk in enumerate(ids, 1):
                counted = rollup_rebuild(pk)
                self.stdout.write(f"[{i}/{len(ids)}] template {pk}: {counted} submissions counted.")
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {len(ids)} template(s) in {tenant.slug}."))
