"""Access control's provisioning step (registered with apps.tenancy.provisioning, autodiscovered)."""

from django_tenants.utils import schema_context

from apps.tenancy.provisioning import provisioning_step

from .services import default_roles_ensure


@provisioning_step("default_roles", 50)
def default_roles(*, job, tenant) -> None:  # type: ignore[no-untyped-def]
    """The default roles (member, viewer, manager, tenant admin), ready to be assigned."""
    with schema_context(tenant.schema_name):
        default_roles_ensure(acting_user=job.requested_by)
