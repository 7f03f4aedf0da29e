"""The integrations' provisioning step (registered with apps.tenancy.provisioning, autodiscovered)."""

from django_tenants.utils import tenant_context

from apps.catalogue.selectors import integrations_for_plan, tenant_plan
from apps.tenancy.provisioning import provisioning_step

from .activations import integration_activate, integration_prepare
from .models import IntegrationActivation


@provisioning_step("activate_integrations", 70)
def activate_integrations(*, job, tenant) -> None:  # type: ignore[no-untyped-def]
    """Every integration the plan includes: switched on when it needs no settings or secrets, else
    added switched off, waiting for a tenant admin to configure it. Existing activations are kept."""
    integrations = list(integrations_for_plan(tenant_plan(tenant)))
    with tenant_context(tenant):
        existing = set(IntegrationActivation.objects.values_list("integration_code", flat=True))
        for integration in integrations:
            if integration.code in existing:
                continue
            if integration.needs_setup:
                integration_prepare(code=integration.code, acting_user=job.requested_by)
            else:
                integration_activate(code=integration.code, acting_user=job.requested_by)
