"""Reads on the organisation. Subtrees and ancestors are one query at any depth (materialised path)."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import Membership

from .models import Certification, Entity, EntityMembership, EntityType, MemberProfile, path_ids

CERTIFICATION_EXPIRING_DAYS = 30


def entity_root() -> Entity | None:
    return Entity.objects.filter(parent__isnull=True).select_related("entity_type").first()


def entity_subtree(entity: Entity, *, include_self: bool = True) -> Any:
    return Entity.objects.subtree_of(entity, include_self=include_self)


def entity_ancestors(entity: Entity, *, include_self: bool = False) -> Any:
    """Root first."""
    return Entity.objects.ancestors_of(entity, include_self=include_self).order_by("path")


def _member_count() -> Any:
    counts = EntityMembership.objects.filter(entity=OuterRef("pk")).order_by().values("entity")
    return Coalesce(Subquery(counts.annotate(count=Count("pk")).values("count")), 0)


def entities_list() -> QuerySet[Entity]:
    """Entities in tree order with what a list or tree row shows: type, manager, member count (one query)."""
    return (
        Entity.objects.select_related("entity_type", "manager__user", "parent")
        .annotate(member_count=_member_count())
        .order_by("path")
    )


def entity_get(*, uuid: Any, queryset: QuerySet[Entity] | None = None) -> Entity:
    """One entity by its public id; the same 404 for "not yours" and "missing"."""
    queryset = queryset if queryset is not None else Entity.objects.select_related("entity_type", "manager__user")
    try:
        entity = queryset.filter(uuid=uuid).first()
    except (ValueError, TypeError, ValidationError):  # a malformed uuid is as missing as an unknown one
        entity = None
    if entity is None:
        raise Http404("No such entity in this organisation.")
    return entity


def entity_types_list() -> QuerySet[EntityType]:
    return EntityType.objects.annotate(entity_count=Count("entities")).order_by("position", "name")


def entity_members(entity: Entity) -> QuerySet[EntityMembership]:
    return (
        EntityMembership.objects.filter(entity=entity)
        .select_related("profile__user")
        .order_by("-is_primary", "profile__user__full_name", "profile_id")
    )


def entity_names(ids: set[int] | list[int]) -> dict[int, str]:
    """Names of the given entities in one query (none when there are no ids)."""
    if not ids:
        return {}
    return dict(Entity.objects.filter(pk__in=ids).values_list("pk", "name"))


# --- People -------------------------------------------------------------------------------------


def _primary_entity(field: str) -> Subquery:
    primary = EntityMembership.objects.filter(profile=OuterRef("pk"), is_primary=True)
    return Subquery(primary.values(field)[:1])


def profiles_list() -> QuerySet[MemberProfile]:
    """People with what a list row shows (user, manager, primary entity): one query for a page."""
    return MemberProfile.objects.select_related("user", "manager__user").annotate(
        primary_entity_name=_primary_entity("entity__name"),
        primary_entity_uuid=_primary_entity("entity__uuid"),
    )


def profile_get(*, uuid: Any, queryset: QuerySet[MemberProfile] | None = None) -> MemberProfile:
    queryset = queryset if queryset is not None else profiles_list()
    try:
        profile = queryset.filter(uuid=uuid).first()
    except (ValueError, TypeError, ValidationError):  # a malformed uuid is as missing as an unknown one
        profile = None
    if profile is None:
        raise Http404("No such person in this organisation.")
    return profile


def profiles_in_subtree(entity: Entity) -> Q:
    """People who are members of the entity or of any entity below it (a subquery, no extra query)."""
    memberships = EntityMembership.objects.filter(entity__path__startswith=entity.path)
    return Q(pk__in=memberships.values("profile_id"))


def profile_for_user(user: Any) -> MemberProfile | None:
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "is_service_principal", False):
        return None
    return MemberProfile.objects.filter(user_id=user.pk).first()


def reporting_chain(profile: MemberProfile) -> list[MemberProfile]:
    """The person's managers, their direct manager first, up to the top (one query, from the path)."""
    ids = path_ids(profile.reporting_path)[:-1]
    if not ids:
        return []
    managers = {m.pk: m for m in MemberProfile.objects.filter(pk__in=ids).select_related("user")}
    return [managers[pk] for pk in reversed(ids) if pk in managers]


def direct_reports(profile: MemberProfile) -> QuerySet[MemberProfile]:
    return MemberProfile.objects.filter(manager=profile).select_related("user").order_by("user__full_name", "pk")


def profile_memberships(profile: MemberProfile) -> QuerySet[EntityMembership]:
    return (
        EntityMembership.objects.filter(profile=profile)
        .select_related("entity__entity_type")
        .order_by("-is_primary", "entity__path")
    )


def certifications_with_state(profile: MemberProfile, *, today: datetime.date | None = None) -> list[Certification]:
    """The person's certifications, each with `state`: "expired", "expiring" (within 30 days) or "valid"."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=CERTIFICATION_EXPIRING_DAYS)
    certifications = list(profile.certifications.all())
    for certification in certifications:
        expires = certification.expires_on
        certification.state = (  # type: ignore[attr-defined]
            "valid" if expires is None or expires > soon else "expired" if expires < today else "expiring"
        )
    return certifications


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


def members_without_profile(*, tenant: Any) -> Any:
    """Active members of the tenant (public Membership rows) who have no profile here yet."""
    # Membership lives in public, profiles in the tenant schema: on the tenant's search_path both are
    # visible, so this stays one query.
    return (
        Membership.objects.filter(tenant=tenant, status=Membership.Status.ACTIVE)
        .exclude(user_id__in=MemberProfile.objects.values("user_id"))
        .select_related("user")
        .order_by("user__email")
    )


__all__ = [
    "certifications_with_state",
    "direct_reports",
    "entities_list",
    "entity_ancestors",
    "entity_get",
    "entity_members",
    "entity_names",
    "entity_root",
    "entity_subtree",
    "entity_types_list",
    "members_without_profile",
    "path_ids",
    "profile_for_user",
    "profile_get",
    "profile_memberships",
    "profiles_in_subtree",
    "profiles_list",
    "reporting_chain",
    "user_entity_ids",
    "user_entity_paths",
]
