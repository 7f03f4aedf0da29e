"""Who may see and change the organisation, for the portal pages and the API alike.

- A tenant admin (active `tenant_admin` membership) may do everything in their tenant.
- Any other active member sees the whole entity tree, and the people of the entities where the
  access resolver grants them `organisation.view_people` (and their own profile).
- Changes need the resolver's permission on the entity concerned: `organisation.add_entity` on the
  parent, `organisation.change_entity` on the entity (and `add_entity` on a new parent when moving),
  `organisation.delete_entity` to delete, `organisation.manage_people` on an entity of the person.
- An API key (service principal) sees and changes only what its role assignments cover; its scopes
  decide which endpoints it may call (apps.integrations.scopes, family "organisation").

The resolver belongs to the access app, which is built on the organisation (it imports it): it is
looked up through the hook "organisation.permission_resolver" (apps/access/organisation_hooks.py).
"""

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.accounts.access import is_service_principal
from apps.accounts.models import Membership
from apps.core import hooks

from .models import Entity, EntityMembership, MemberProfile

VIEW_ENTITY = "organisation.view_entity"
ADD_ENTITY = "organisation.add_entity"
CHANGE_ENTITY = "organisation.change_entity"
DELETE_ENTITY = "organisation.delete_entity"
VIEW_PEOPLE = "organisation.view_people"
MANAGE_PEOPLE = "organisation.manage_people"


def _resolver() -> Any:
    return hooks.one("organisation.permission_resolver")()


def refusal(permission: str, entity: Entity | None) -> str:
    """“You need the “Manage people” permission on Sales for this.”"""
    return str(_resolver().refusal_message(permission, entity))


def is_admin(request: Any) -> bool:
    """An active tenant admin of the request's tenant (the membership the access mixins put on the request)."""
    membership = getattr(request, "membership", None)
    return bool(membership is not None and membership.is_active and membership.role == Membership.Role.TENANT_ADMIN)


def may(request: Any, permission: str, entity: Entity) -> bool:
    if is_admin(request):
        return True
    return bool(_resolver().may(request.user, permission, entity))


def entities_where(request: Any, permission: str) -> QuerySet[Entity]:
    """The entities on which the caller holds `permission` (all of them for a tenant admin)."""
    if is_admin(request):
        return Entity.objects.all()
    return _resolver().allowed_entities(request.user, permission)


def entities_visible(request: Any, queryset: QuerySet[Entity]) -> QuerySet[Entity]:
    """Every member sees the tree; an API key only the entities its assignments cover."""
    if is_service_principal(request.user):
        return queryset.filter(pk__in=_resolver().allowed_entities(request.user, VIEW_ENTITY).values("pk"))
    return queryset


def people_visible(request: Any, queryset: QuerySet[MemberProfile]) -> QuerySet[MemberProfile]:
    """The people the caller may see: all for a tenant admin; otherwise the members of entities where
    the caller holds `view_people`, plus the caller's own profile. One query (the rights are a subquery)."""
    if is_admin(request):
        return queryset
    allowed = _resolver().allowed_entities(request.user, VIEW_PEOPLE).values("pk")
    visible = Q(Exists(EntityMembership.objects.filter(profile=OuterRef("pk"), entity__in=allowed)))
    if not is_service_principal(request.user):
        visible |= Q(user_id=request.user.pk)
    return queryset.filter(visible)


def may_manage_person(request: Any, profile: MemberProfile) -> bool:
    """Tenant admins, or `manage_people` on one of the entities the person belongs to."""
    if is_admin(request):
        return True
    allowed = entities_where(request, MANAGE_PEOPLE).values("pk")
    return EntityMembership.objects.filter(profile=profile, entity__in=allowed).exists()
