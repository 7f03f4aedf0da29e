"""Onboarding's provisioning step: the person who signed up becomes the new tenant's admin."""

from apps.tenancy.models import ProvisioningJob, Tenant
from apps.tenancy.provisioning import provisioning_step

from .services import onboarding_admin_ensure


@provisioning_step("signup_admin", 50)
def signup_admin(*, job: ProvisioningJob, tenant: Tenant) -> None:
    """A tenant requested through signup gets its first admin (joined_via=signup); others: nothing."""
    onboarding_admin_ensure(tenant=tenant)
