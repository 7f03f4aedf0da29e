"""Start a subscription for every tenant that never had one (`platform_setup` runs it):
`manage.py billing_subscriptions_ensure`. Idempotent: a second run finds nobody."""

import json
from typing import Any

from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context

from apps.billing.start import subscriptions_ensure


class Command(BaseCommand):
    help = (
        "Give every active tenant without a subscription one on its plan (or the default plan): trialing for "
        "the plan's trial days, otherwise active with its first invoice."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with schema_context("public"):
            counts = subscriptions_ensure()
        if options["verbosity"] > 0:
            self.stdout.write(json.dumps(counts))
