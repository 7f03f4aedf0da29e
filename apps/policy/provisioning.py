"""The security policy's provisioning step (registered with apps.tenancy.provisioning, autodiscovered).

Named "default_security_policy": "security_policy" is the tenancy step that applies the plan's
tenant-wide MFA flag, and step names are unique.
"""

from django_tenants.utils import schema_context

from apps.tenancy.provisioning import provisioning_step

from .services import default_policy_ensure


@provisioning_step("default_security_policy", 50)
def default_security_policy(*, job, tenant) -> None:  # type: ignore[no-untyped-def]
    """The tenant default: the product defaults, written on the root entity (left alone once there)."""
    with schema_context(tenant.schema_name):
        default_policy_ensure(acting_user=job.requested_by)
