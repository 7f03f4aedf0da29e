"""Reads on the organisation. Subtrees and ancestors are one query at any depth (materialised path)."""

from typing import Any

from .models import Entity, EntityMembership, MemberProfile, path_ids


def entity_root() -> Entity | None:
    return Entity.objects.filter(parent__isnull=True).select_related("entity_type").first()


def entity_subtree(entity: Entity, *, include_self: bool = True) -> Any:
    return Entity.objects.subtree_of(entity, include_self=include_self)


def entity_ancestors(entity: Entity, *, include_self: bool = False) -> Any:
    """Root first."""
    return Entity.objects.ancestors_of(entity, include_self=include_self).order_by("path")


def profile_for_user(user: Any) -> MemberProfile | None:
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "is_service_principal", False):
        return None
    return MemberProfile.objects.filter(user_id=user.pk).first()


def user_entity_ids(user: Any) -> list[int]:
    """The entities a user is a direct member of (one query)."""
    if user is None or not getattr(user, "pk", None) or getattr(user, "is_service_principal", False):
        return []
    return list(EntityMembership.objects.filter(profile__user_id=user.pk).values_list("entity_id", flat=True))


def user_entity_paths(user: Any) -> list[str]:
    """The materialised paths of the user's entities: every id in them is an entity above or at the user."""
    if user is None or not getattr(user, "pk", None) or getattr(user, "is_service_principal", False):
        return []
    return list(EntityMembership.objects.filter(profile__user_id=user.pk).values_list("entity__path", flat=True))


__all__ = [
    "entity_ancestors",
    "entity_root",
    "entity_subtree",
    "path_ids",
    "profile_for_user",
    "user_entity_ids",
    "user_entity_paths",
]
