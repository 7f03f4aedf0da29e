"""Demo organisation for the current tenant (called by seed_demo in the tenant's schema).

Idempotent: entities are found by name under their parent (case-insensitively) before being
created, and profiles are only created for members who have none.
"""

from typing import Any

from django.db import transaction

from apps.accounts.models import Membership
from apps.tenancy.context import connection_tenant

from .models import Entity, EntityType, MemberProfile
from .selectors import entity_root
from .services import entity_create, profile_ensure

# (name, type code, parent name or None for the root)
DEMO_ENTITIES: list[tuple[str, str, str | None]] = [
    ("Operations", "group", None),
    ("Sales", "department", "Operations"),
    ("Support", "department", "Operations"),
    ("Sales North", "team", "Sales"),
    ("Sales South", "team", "Sales"),
]


def _child(*, parent: Entity, name: str, type_code: str, acting_user: Any) -> tuple[Entity, bool]:
    existing = Entity.objects.filter(parent=parent, name__iexact=name).first()
    if existing is not None:
        return existing, False
    entity_type = EntityType.objects.get(code=type_code)
    return entity_create(name=name, entity_type=entity_type, parent=parent, acting_user=acting_user), True


@transaction.atomic
def organisation_demo_seed(*, acting_user: Any = None) -> dict[str, int]:
    """Operations > Sales (Sales North, Sales South) and Support under the root, and a profile for every
    active member of the current tenant. Returns what was created."""
    root = entity_root()
    if root is None:
        raise RuntimeError("The tenant has no root entity yet; provision it first.")
    made = {"entities": 0, "profiles": 0}
    by_name: dict[str | None, Entity] = {None: root}
    for name, type_code, parent_name in DEMO_ENTITIES:
        entity, created = _child(parent=by_name[parent_name], name=name, type_code=type_code, acting_user=acting_user)
        by_name[name] = entity
        made["entities"] += created
    members = Membership.objects.filter(tenant=connection_tenant(), status=Membership.Status.ACTIVE)
    with_profile = set(MemberProfile.objects.values_list("user_id", flat=True))
    for membership in members.select_related("user").order_by("created_at", "pk"):
        if membership.user_id not in with_profile:
            profile_ensure(user=membership.user, acting_user=acting_user)
            made["profiles"] += 1
    return made
