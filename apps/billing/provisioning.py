"""Billing's provisioning step (registered with apps.tenancy.provisioning, autodiscovered): the
tenant's subscription from day one (apps.billing.start). Position 80: after the schema, the domain,
the root entity, roles, policy, the first admin's invitation and the plan's integrations, before
"mark_active"; a re-run finds the live subscription and writes nothing."""

from apps.tenancy.provisioning import provisioning_step

from .start import subscription_start


@provisioning_step("start_subscription", 80)
def start_subscription(*, job, tenant) -> None:  # type: ignore[no-untyped-def]
    """Start the tenant's subscription on its plan: trial for the plan's trial days, else active and invoiced."""
    subscription_start(tenant=tenant, acting_user=job.requested_by)
