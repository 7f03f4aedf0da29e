"""Demo organisation for the current tenant (called by seed_demo in the tenant's schema).

Idempotent whatever people did with the demo data: every demo entity carries its own stable key in
`external_id` (`demo:<name>`), and is found by it, wherever it was moved and whatever it was renamed
to. A demo entity that was deleted is created again; one seeded before the keys existed (same name,
no external id, under the same parent) is adopted and given its key; when another entity already
holds the name under that parent, it is used as is. Profiles are only created for members who have
none.
"""

from typing import Any

from django.db import transaction

from apps.accounts.models import Membership
from apps.tenancy.context import connection_tenant

from .models import Entity, EntityType, MemberProfile
from .selectors import entity_root
from .services import entity_create, entity_update, profile_ensure

DEMO_KEY_PREFIX = "demo:"
# (demo key, name, type code, parent's demo key or None for the root)
DEMO_ENTITIES: list[tuple[str, str, str, str | None]] = [
    ("demo:operations", "Operations", "group", None),
    ("demo:sales", "Sales", "department", "demo:operations"),
    ("demo:support", "Support", "department", "demo:operations"),
    ("demo:sales-north", "Sales North", "team", "demo:sales"),
    ("demo:sales-south", "Sales South", "team", "demo:sales"),
]


def demo_entity(key: str) -> Entity | None:
    """The demo entity of that key in the current tenant (None when it does not exist)."""
    return Entity.objects.filter(external_id=key).first()


def _demo_child(*, key: str, parent: Entity, name: str, type_code: str, acting_user: Any) -> tuple[Entity, bool]:
    if (keyed := demo_entity(key)) is not None:
        return keyed, False
    same_name = Entity.objects.filter(parent=parent, name__iexact=name).order_by("pk")
    if (legacy := same_name.filter(external_id="").first()) is not None:
        return entity_update(entity=legacy, external_id=key, acting_user=acting_user), False
    if (taken := same_name.first()) is not None:  # someone's own entity holds the name: use it, keep its id
        return taken, False
    entity_type = EntityType.objects.get(code=type_code)
    entity = entity_create(name=name, entity_type=entity_type, parent=parent, acting_user=acting_user, external_id=key)
    return entity, True


@transaction.atomic
def organisation_demo_seed(*, acting_user: Any = None) -> dict[str, int]:
    """Operations > Sales (Sales North, Sales South) and Support under the root, and a profile for every
    active member of the current tenant. Returns what was created."""
    root = entity_root()
    if root is None:
        raise RuntimeError("The tenant has no root entity yet; provision it first.")
    made = {"entities": 0, "profiles": 0}
    by_key: dict[str | None, Entity] = {None: root}
    for key, name, type_code, parent_key in DEMO_ENTITIES:
        entity, created = _demo_child(
            key=key, parent=by_key[parent_key], name=name, type_code=type_code, acting_user=acting_user
        )
        by_key[key] = entity
        made["entities"] += created
    members = Membership.objects.filter(tenant=connection_tenant(), status=Membership.Status.ACTIVE)
    with_profile = set(MemberProfile.objects.values_list("user_id", flat=True))
    for membership in members.select_related("user").order_by("created_at", "pk"):
        if membership.user_id not in with_profile:
            profile_ensure(user=membership.user, acting_user=acting_user)
            made["profiles"] += 1
    return made
