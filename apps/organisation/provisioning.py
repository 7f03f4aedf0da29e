"""The organisation's provisioning step (registered with apps.tenancy.provisioning, autodiscovered)."""

from django_tenants.utils import schema_context

from apps.tenancy.provisioning import provisioning_step

from .models import Entity, EntityType
from .services import entity_create


@provisioning_step("create_root_entity", 40)
def create_root_entity(*, job, tenant) -> None:  # type: ignore[no-untyped-def]
    """The enterprise entity at the top of the tenant's organisation, named after the tenant."""
    with schema_context(tenant.schema_name):
        if Entity.objects.filter(parent__isnull=True).exists():
            return
        entity_create(
            name=tenant.name, entity_type=EntityType.objects.get(code="enterprise"), parent=None,
            acting_user=job.requested_by,
        )  # fmt: skip
