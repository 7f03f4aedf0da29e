"""Keep the materialised grants current when the organisation changes (apps.organisation.signals).

Receivers only bridge to apps.access.materialise; each runs inside the organisation's writing
transaction, so the organisation change and its access change commit (or roll back) together.
"""

from typing import Any

from apps.organisation.models import Entity, EntityMembership, MemberProfile

from .materialise import (
    entity_coverage_add,
    entity_coverage_move,
    membership_coverage_add,
    membership_coverage_remove,
    object_grants_forget,
    profile_coverage_add,
)


def on_entity_created(sender: Any, *, entity: Entity, **kwargs: Any) -> None:
    entity_coverage_add(entity)


def on_entity_moved(sender: Any, *, entity: Entity, old_path: str, **kwargs: Any) -> None:
    entity_coverage_move(entity, old_path)


def on_membership_added(sender: Any, *, membership: EntityMembership, **kwargs: Any) -> None:
    membership_coverage_add(membership)


def on_membership_removed(sender: Any, *, membership: EntityMembership, **kwargs: Any) -> None:
    membership_coverage_remove(membership)


def on_profile_saved(sender: Any, *, instance: MemberProfile, created: bool, **kwargs: Any) -> None:
    # The organisation sends no signal for a new profile; post_save bridges the same way.
    if created:
        profile_coverage_add(instance)


def on_entity_deleted(sender: Any, *, instance: Entity, **kwargs: Any) -> None:
    # entity_delete sends no signal of its own; the grants on the entity go with it.
    object_grants_forget(Entity, instance.pk)
