"""The resolver: may this person (or API key) do this on this object? (docs/access.md)

- An active tenant_admin member of the current tenant may do everything in it.
- A user without an active membership of the current tenant may do nothing, whatever grants remain.
- Everyone else may do what their materialised grants say: guardian's object permissions for
  people, the AccessGrant ledger for API keys (a key without an assignment sees nothing).

Every check is a constant number of queries whatever the depth of the tree or the number of
objects: the permission ids are read once per process, the membership once per principal object
(a request's user), and then one indexed lookup (`may`) or one query with a subquery
(`allowed_objects`).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast, StrIndex
from django.utils import timezone
from django_tenants.utils import get_public_schema_name
from guardian.models import UserObjectPermission

from apps.accounts.models import Membership
from apps.integrations.models import ApiKey
from apps.organisation.models import Entity, EntityMembership, path_ids
from apps.tenancy.context import connection_tenant

from .catalogue import PROFILE_MODEL, CataloguePermission, permission_get
from .models import AccessGrant, AssignmentStatus, PermissionCondition, Role, RoleAssignment
from .roles import permissions_merge, role_carrying

ModelT = TypeVar("ModelT", bound=models.Model)
_CACHE_ATTR = "_access_memberships"


class UnknownPermission(ValueError):
    """A permission string that is not in the catalogue: a typo in code, not a refusal."""


@dataclass(frozen=True)
class _Principal:
    kind: str  # "user" | "api_key"
    user_id: Any = None
    api_key_id: int | None = None
    tenant_admin: bool = False


def _schema() -> str:
    return str(getattr(connection, "schema_name", ""))


def _membership(user: Any) -> tuple[str, str] | None:
    """(status, role) of the user's membership of the current tenant, cached on the user object."""
    cache = user.__dict__.setdefault(_CACHE_ATTR, {})
    schema = _schema()
    if schema not in cache:
        cache[schema] = (
            Membership.objects.filter(user_id=user.pk, tenant__schema_name=schema).values_list("status", "role").first()
        )
    return cache[schema]


def access_cache_clear(principal: Any) -> None:
    """Forget the cached membership (after it changed, when the same user object is used again)."""
    if principal is not None and hasattr(principal, "__dict__"):
        principal.__dict__.pop(_CACHE_ATTR, None)


def _principal(principal: Any) -> _Principal | None:
    """Who asks, or None when they may do nothing here."""
    if principal is None or _schema() == get_public_schema_name():
        return None
    api_key = principal if isinstance(principal, ApiKey) else getattr(principal, "api_key", None)
    if getattr(principal, "is_service_principal", False) or isinstance(principal, ApiKey):
        if not isinstance(api_key, ApiKey) or api_key.status != ApiKey.Status.ACTIVE:
            return None
        return _Principal(kind="api_key", api_key_id=api_key.pk)
    if not getattr(principal, "is_authenticated", False) or not getattr(principal, "is_active", False):
        return None
    membership = _membership(principal)
    if membership is None or membership[0] != Membership.Status.ACTIVE:
        return None
    return _Principal(kind="user", user_id=principal.pk, tenant_admin=membership[1] == Membership.Role.TENANT_ADMIN)


def _permission(permission: str) -> CataloguePermission:
    found = permission_get(permission)
    if found is None:
        raise UnknownPermission(f"Unknown permission “{permission}”: expected “app_label.codename” of a tenant model.")
    return found


def _content_type_id(model: type[models.Model] | models.Model) -> int:
    return ContentType.objects.get_for_model(model).pk


def _grants(who: _Principal, permission: CataloguePermission) -> QuerySet[Any]:
    """The principal's rows for this permission: guardian's for people, the ledger's for keys."""
    if who.kind == "user":
        return UserObjectPermission.objects.filter(user_id=who.user_id, permission_id=permission.permission_id)
    return AccessGrant.objects.filter(api_key_id=who.api_key_id, permission_id=permission.permission_id)


def _pk_cast(model: type[models.Model]) -> Any:
    """object_pk is text: cast it to the model's primary key type, so the pk index is used."""
    pk: Any = model._meta.pk
    while pk.is_relation:
        pk = pk.target_field
    if isinstance(pk, models.IntegerField):
        return Cast("object_pk", output_field=models.BigIntegerField())
    if isinstance(pk, models.UUIDField):
        return Cast("object_pk", output_field=models.UUIDField())
    return F("object_pk")


def may(principal: Any, permission: str, obj: models.Model | None = None) -> bool:
    """May the principal do `permission` ("app_label.codename") on `obj`? Without an object: do
    they hold the permission anywhere (`may_model`)."""
    wanted = _permission(permission)
    if obj is None:
        return may_model(principal, permission)
    if _content_type_id(obj) != wanted.content_type_id:
        return False
    who = _principal(principal)
    if who is None:
        return False
    if who.tenant_admin:
        return True
    return _grants(who, wanted).filter(object_pk=str(obj.pk)).exists()


def allowed_objects(principal: Any, permission: str, queryset: QuerySet[ModelT]) -> QuerySet[ModelT]:
    """`queryset` narrowed to the objects the principal may do `permission` on: one SQL query."""
    wanted = _permission(permission)
    if _content_type_id(queryset.model) != wanted.content_type_id:
        return queryset.none()
    who = _principal(principal)
    if who is None:
        return queryset.none()
    if who.tenant_admin:
        return queryset
    object_ids = _grants(who, wanted).annotate(object_id=_pk_cast(queryset.model)).values("object_id")
    return queryset.filter(pk__in=Subquery(object_ids))


def allowed_entities(principal: Any, permission: str) -> QuerySet[Entity]:
    return allowed_objects(principal, permission, Entity.objects.all())


def _assignments_of(who: _Principal) -> QuerySet[RoleAssignment]:
    active = RoleAssignment.objects.filter(status=AssignmentStatus.ACTIVE)
    if who.kind == "api_key":
        return active.filter(api_key_id=who.api_key_id)
    teams = EntityMembership.objects.filter(profile__user_id=who.user_id).values("entity_id")
    return active.filter(Q(user_id=who.user_id) | Q(team_id__in=teams))


def _carrying_roles(permission: str) -> QuerySet[Role]:
    """Roles that carry the permission themselves or through an ancestor (as a subquery)."""
    carriers = Role.objects.filter(permissions__contains=[{"permission": permission}])
    # A carrier's path is a prefix of the role's path: the carrier is the role or one of its ancestors.
    return Role.objects.filter(Exists(carriers.annotate(at=StrIndex(OuterRef("path"), F("path"))).filter(at=1)))


def may_model(principal: Any, permission: str) -> bool:
    """Does the principal hold the permission on anything (menus, list pages)? One query."""
    _permission(permission)
    who = _principal(principal)
    if who is None:
        return False
    if who.tenant_admin:
        return True
    return _assignments_of(who).filter(role__in=_carrying_roles(permission)).exists()


# --- Explanations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Explanation:
    """Why a principal may do something: one assignment (or the tenant admin rule)."""

    principal_kind: str  # "user" | "team" | "api_key" | "tenant_admin"
    scope: str  # "Sales and everything below it", "Sales only", "their own profile", "tenant admin of Acme"
    assignment: RoleAssignment | None = None
    role: Role | None = None
    via_role: Role | None = None  # the role of the parent chain that carries the permission
    team: Entity | None = None
    valid_until: datetime | None = None
    conditions: frozenset[str] = field(default_factory=frozenset)

    @property
    def text(self) -> str:
        if self.role is None:
            return self.scope
        role = f"“{self.role.name}”"
        if self.via_role is not None and self.via_role.pk != self.role.pk:
            role += f" (inherited from “{self.via_role.name}”)"
        given = {"team": f"to the team {self.team}", "api_key": "to this API key"}.get(self.principal_kind, "directly")
        until = f", until {timezone.localtime(self.valid_until):%Y-%m-%d %H:%M}" if self.valid_until else ""
        return f"Role {role} given {given}, on {self.scope}{until}."

    def __str__(self) -> str:
        return self.text


def _scope_text(assignment: RoleAssignment, key: str, conditions: set[str]) -> str:
    if PermissionCondition.OWN_RECORDS in conditions:
        return "their own profile"
    if assignment.scope_entity is None:
        return f"the {assignment.scope_content_type.name if assignment.scope_content_type else 'object'} only"
    if PermissionCondition.SCOPE_ONLY in conditions:
        return f"{assignment.scope_entity.name} only"
    if permission_get(key) and permission_get(key).model == PROFILE_MODEL:  # type: ignore[union-attr]
        return f"the people of {assignment.scope_entity.name} and everything below it"
    return f"{assignment.scope_entity.name} and everything below it"


def _explain_assignments(who: _Principal, wanted: CataloguePermission, obj: models.Model | None) -> QuerySet[Any]:
    if obj is None:
        return _assignments_of(who).filter(role__in=_carrying_roles(wanted.key))
    grants = AccessGrant.objects.filter(permission_id=wanted.permission_id, object_pk=str(obj.pk))
    grants = grants.filter(user_id=who.user_id) if who.kind == "user" else grants.filter(api_key_id=who.api_key_id)
    return RoleAssignment.objects.filter(pk__in=grants.values("assignment_id"))


def explain(principal: Any, permission: str, obj: models.Model | None = None) -> list[Explanation]:
    """Every reason the principal may do `permission` on `obj` (empty: they may not)."""
    wanted = _permission(permission)
    if obj is not None and _content_type_id(obj) != wanted.content_type_id:
        return []
    who = _principal(principal)
    if who is None:
        return []
    if who.tenant_admin:
        tenant = connection_tenant()
        return [Explanation(principal_kind="tenant_admin", scope=f"tenant admin of {tenant.name if tenant else '?'}")]
    assignments = _explain_assignments(who, wanted, obj).select_related(
        "role", "team", "scope_entity", "scope_content_type"
    )
    roles = {role.pk: role for role in Role.objects.all()}
    explanations = []
    for assignment in assignments.order_by("pk"):
        chain = [roles[pk] for pk in reversed(path_ids(assignment.role.path)) if pk in roles]
        conditions = permissions_merge(role.permissions for role in chain).get(wanted.key, set())
        kind = "api_key" if assignment.api_key_id else ("team" if assignment.team_id else "user")
        explanations.append(
            Explanation(
                principal_kind=kind, scope=_scope_text(assignment, wanted.key, conditions), assignment=assignment,
                role=assignment.role, via_role=role_carrying(chain, wanted.key), team=assignment.team,
                valid_until=assignment.valid_until, conditions=frozenset(conditions),
            )
        )  # fmt: skip
    return explanations


def refusal_message(permission: str, obj: models.Model | None = None) -> str:
    """“You need the “View people” permission on Sales for this.”"""
    found = permission_get(permission)
    label = found.label if found else permission
    where = f" on {obj}" if obj is not None else ""
    return f"You need the “{label}” permission{where} for this."
