"""Demo data for outbound webhooks (called by `manage.py seed_demo`): Acme gets one endpoint that
points at the local receiver of `manage.py webhooks_receive` (http://127.0.0.1:8765/acme),
subscribed to every event type. Idempotent."""

from typing import Any

from django.db import transaction

from .catalogue import event_types

DEMO_URL = "http://127.0.0.1:8765/acme"


@transaction.atomic
def demo_seed(*, stdout: Any = None) -> None:
    from apps.tenancy.models import Tenant

    from .models import WebhookEndpoint
    from .services import webhook_endpoint_create

    acme = Tenant.objects.filter(slug="acme").first()
    if acme is None or WebhookEndpoint.objects.filter(tenant=acme, url=DEMO_URL).exists():
        return
    endpoint, _ = webhook_endpoint_create(
        tenant=acme,
        url=DEMO_URL,
        enabled_events=list(event_types()),
        description="Local demo receiver",
        acting_user=None,
    )
    if stdout is not None:
        stdout.write(
            f"  Webhooks:     Acme endpoint {endpoint.uuid} → {DEMO_URL} "
            f"(run `manage.py webhooks_receive` to see signed events)\n"
        )
