"""Tenant API: entity types, entities (the hierarchy) and people.

Who may call: active members of the tenant (session or access token) and API keys with the
"organisation" scopes (`organisation:read` for GET, `organisation:write` otherwise). Which objects
they then see and change is decided in apps.organisation.access (tenant admins everything, others
and keys what the access resolver grants).
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.organisation import access
from apps.organisation.filters import EntityFilter, PersonFilter
from apps.organisation.models import Entity, EntityMembership, EntityType, MemberProfile
from apps.organisation.selectors import entities_list, entity_get, entity_types_list, profile_get, profiles_list
from apps.organisation.services import (
    entity_create,
    entity_delete,
    entity_membership_add,
    entity_membership_remove,
    entity_membership_set_primary,
    entity_move,
    entity_status_change,
    entity_type_create,
    entity_update,
    profile_create,
    profile_preferences_update,
    profile_update,
)
from apps.organisation.timeline import person_timeline
from apps.surfaces.api import TenantGenericViewSet, validated

from .serializers import (
    EntityAncestorSerializer,
    EntityMoveSerializer,
    EntitySerializer,
    EntityTypeSerializer,
    EntityUpdateSerializer,
    EntityWriteSerializer,
    PersonCreateSerializer,
    PersonSerializer,
    PersonUpdateSerializer,
    TimelineEventSerializer,
)

REFUSED = {
    400: OpenApiResponse(
        description="Refused by a rule; `code` names it (e.g. orphan, cycle, duplicate_sibling) "
        "and `errors` lists the messages per field."
    ),
    403: OpenApiResponse(
        description="Not an active member, an API key without the scope, or no right on the "
        "entity concerned; with a `code`."
    ),
    404: OpenApiResponse(description="No such object in this organisation (or not one you may see)."),
}


def _refuse(message: str, code: str = "permission_required") -> PermissionDenied:
    return PermissionDenied({"detail": message, "code": code})


def _require(request: Request, permission: str, entity: Entity) -> None:
    if not access.may(request, permission, entity):
        raise _refuse(access.refusal(permission, entity))


class OrganisationViewMixin:
    tenant_access = "member"
    resource_family = "organisation"


# --- Entity types -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List entity types",
        description="The kinds of entity of this organisation (the system types enterprise, group, department, "
        "team, and the organisation's own), in display order, with how many entities use each.",
    ),
)
class EntityTypeViewSet(OrganisationViewMixin, mixins.ListModelMixin, TenantGenericViewSet):
    serializer_class = EntityTypeSerializer
    cursor_ordering = ("position", "code")
    queryset = EntityType.objects.none()  # for the schema

    def get_queryset(self) -> QuerySet[EntityType]:
        return entity_types_list()

    @extend_schema(
        summary="Create an entity type",
        description="Add the organisation's own kind of entity (e.g. `region`). Tenant admins only. Codes and "
        "names are unique (`duplicate_code`, `duplicate_name`).",
        request=EntityTypeSerializer, responses={201: EntityTypeSerializer, **REFUSED},
    )  # fmt: skip
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not access.is_admin(request):
            raise _refuse("Only a tenant admin may add entity types.", "tenant_admin_required")
        data = validated(EntityTypeSerializer, request)
        entity_type = entity_type_create(**data, acting_user=request.user)
        entity_type.entity_count = 0  # type: ignore[attr-defined]
        return Response(EntityTypeSerializer(entity_type).data, status=status.HTTP_201_CREATED)


# --- Entities -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List entities",
        description="Entities in tree order (parents first; cursor paginated). Filter by `type` (code), `status`, "
        "`parent` (direct children of), `subtree_of` (an entity and everything below it); `search` looks in the "
        "name, code and external id. Members see the whole tree; an API key only what its role assignments cover.",
    ),
    retrieve=extend_schema(
        summary="Get an entity", description="One entity by id.", responses={200: EntitySerializer, 404: REFUSED[404]}
    ),
)
class EntityViewSet(OrganisationViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    serializer_class = EntitySerializer
    filterset_class = EntityFilter
    cursor_ordering = ("path", "pk")  # tree order: parents before children; the path is unique
    lookup_field = "uuid"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    queryset = Entity.objects.none()  # for the schema; get_queryset scopes to what the caller may see

    def get_queryset(self) -> QuerySet[Entity]:
        return access.entities_visible(self.request, entities_list())

    def get_object(self) -> Entity:
        return entity_get(uuid=self.kwargs["uuid"], queryset=self.get_queryset())

    def _answer(self, entity: Entity, code: int = status.HTTP_200_OK) -> Response:
        return Response(EntitySerializer(entities_list().get(pk=entity.pk)).data, status=code)

    @extend_schema(
        summary="Create an entity",
        description="Create an entity under `parent`. Needs `organisation.add_entity` on the parent (tenant admins "
        "may always). Refused: a missing parent (`orphan`), a sibling with the same name, case-insensitively "
        "(`duplicate_sibling`), an archived parent (`archived_parent`).",
        request=EntityWriteSerializer, responses={201: EntitySerializer, **REFUSED},
    )  # fmt: skip
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(EntityWriteSerializer, request)
        if data["parent"] is not None:  # without one the service refuses (`orphan`): nothing to check
            _require(request, access.ADD_ENTITY, data["parent"])
        entity = entity_create(
            name=data["name"], entity_type=data["type"], parent=data["parent"], status=data["status"],
            manager=data["manager"], description=data["description"], external_id=data["external_id"],
            acting_user=request.user,
        )  # fmt: skip
        return self._answer(entity, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Update an entity",
        description="Change the name, type, status, manager, description or external id (moving is "
        "`POST .../move/`). Needs `organisation.change_entity` on the entity. Status rules: the root stays "
        "active (`root_status`); archive the entities below first (`active_descendants`); an entity under an "
        "archived one cannot be reactivated (`archived_ancestor`).",
        request=EntityUpdateSerializer, responses={200: EntitySerializer, **REFUSED},
    )  # fmt: skip
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entity = self.get_object()
        _require(request, access.CHANGE_ENTITY, entity)
        data = dict(validated(EntityUpdateSerializer, request))
        reason = data.pop("reason", "")
        if "type" in data:
            data["entity_type"] = data.pop("type")
        new_status = data.pop("status", None)
        with transaction.atomic():
            if data:
                entity = entity_update(entity=entity, acting_user=request.user, **data)
            if new_status is not None:
                entity = entity_status_change(entity=entity, status=new_status, reason=reason,
                                              acting_user=request.user)  # fmt: skip
        return self._answer(entity)

    @extend_schema(
        summary="Delete an entity",
        description="Delete an empty entity: not the root (`root_delete`), nothing below it (`has_children`), "
        "nobody in it (`has_members`), nothing referring to it such as role assignments (`in_use`). Needs "
        "`organisation.delete_entity` on the entity.",
        responses={204: None, **REFUSED},
    )  # fmt: skip
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entity = self.get_object()
        _require(request, access.DELETE_ENTITY, entity)
        entity_delete(entity=entity, acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Move an entity",
        description="Re-parent the entity with its whole subtree (the database rewrites every path below it in "
        "one statement). Needs `organisation.change_entity` on the entity and `organisation.add_entity` on the "
        "new parent. Refused: the root (`root_move`), under itself or its own subtree (`cycle`), a same-named "
        "sibling there (`duplicate_sibling`), an archived parent (`archived_parent`).",
        request=EntityMoveSerializer, responses={200: EntitySerializer, **REFUSED},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def move(self, request: Request, uuid: Any = None) -> Response:
        entity = self.get_object()
        data = validated(EntityMoveSerializer, request)
        _require(request, access.CHANGE_ENTITY, entity)
        _require(request, access.ADD_ENTITY, data["parent"])
        entity = entity_move(entity=entity, new_parent=data["parent"], reason=data["reason"], acting_user=request.user)
        return self._answer(entity)

    @extend_schema(
        summary="Ancestors of an entity",
        description="The entities above this one, root first (read from its materialised path: one query).",
        responses={200: EntityAncestorSerializer(many=True), 404: REFUSED[404]},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def ancestors(self, request: Request, uuid: Any = None) -> Response:
        entity = self.get_object()
        ancestors = Entity.objects.ancestors_of(entity).select_related("entity_type").order_by("path")
        return Response(EntityAncestorSerializer(ancestors, many=True).data)

    @extend_schema(
        summary="Descendants of an entity",
        description="Everything below this entity at any depth, in tree order (one indexed prefix query; "
        "cursor paginated). The same filters as the entity list apply.",
        responses={200: EntitySerializer(many=True), 404: REFUSED[404]},
    )
    @action(detail=True, methods=["get"])
    def descendants(self, request: Request, uuid: Any = None) -> Response:
        entity = self.get_object()
        below = self.filter_queryset(self.get_queryset().filter(path__startswith=entity.path).exclude(pk=entity.pk))
        page = self.paginate_queryset(below)
        return self.get_paginated_response(EntitySerializer(page, many=True).data)


# --- People -------------------------------------------------------------------------------------


def _people() -> QuerySet[MemberProfile]:
    memberships = EntityMembership.objects.select_related("entity").order_by("-is_primary", "entity__path")
    return profiles_list().prefetch_related(Prefetch("entity_memberships", queryset=memberships), "skills",
                                            "certifications")  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        summary="List people",
        description="The people you may see (tenant admins: everyone; others: the members of entities where they "
        "hold `organisation.view_people`, and themselves; API keys: what their assignments cover), newest first, "
        "cursor paginated. Filter by `entity` (its whole subtree), `status`, `manager`; `search` looks in the "
        "name, email, employee code and person code.",
    ),
    retrieve=extend_schema(
        summary="Get a person",
        description="One person by id, with their entities, skills, certifications and preferences.",
        responses={200: PersonSerializer, 404: REFUSED[404]},
    ),
)
class PersonViewSet(OrganisationViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    lookup_field = "uuid"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    queryset = MemberProfile.objects.none()  # for the schema

    def get_queryset(self) -> QuerySet[MemberProfile]:
        return access.people_visible(self.request, _people())

    def get_object(self) -> MemberProfile:
        return profile_get(uuid=self.kwargs["uuid"], queryset=self.get_queryset())

    def _answer(self, profile: MemberProfile, code: int = status.HTTP_200_OK) -> Response:
        return Response(PersonSerializer(_people().get(pk=profile.pk)).data, status=code)

    @extend_schema(
        summary="Create a person",
        description="Give an active member of this organisation (by `user` id or `email`) their profile here, "
        "optionally placing them in `entity` as their primary entity. Tenant admins, or `organisation."
        "manage_people` on `entity` (then required). Refused: `not_member`, `profile_exists`, "
        "`duplicate_employee_code`, a manager `cycle`.",
        request=PersonCreateSerializer, responses={201: PersonSerializer, **REFUSED},
    )  # fmt: skip
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = dict(validated(PersonCreateSerializer, request))
        entity = data.pop("entity")
        if entity is None and not access.is_admin(request):
            raise _refuse("Choose the entity to place the person in (one where you may manage people).")
        if entity is not None:
            _require(request, access.MANAGE_PEOPLE, entity)
        user = _user_from(data.pop("user", None), data.pop("email", None))
        profile = profile_create(user=user, entity=entity, acting_user=request.user, **data)
        return self._answer(profile, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Update a person",
        description="Change job title, status, manager (reporting line; a `cycle` is refused), employee code, "
        "external id, preferences (merged), the entities the person belongs to (`entities`: the full list) and "
        "their primary entity. Needs `organisation.manage_people` on one of the person's entities, and on every "
        "entity added or removed (tenant admins may always).",
        request=PersonUpdateSerializer, responses={200: PersonSerializer, **REFUSED},
    )  # fmt: skip
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        profile = self.get_object()
        if not access.may_manage_person(request, profile):
            raise _refuse(access.refusal(access.MANAGE_PEOPLE, None))
        data = dict(validated(PersonUpdateSerializer, request))
        with transaction.atomic():
            _person_apply(request, profile, data)
        return self._answer(profile)

    @extend_schema(
        summary="Timeline of a person",
        description="Newest first: profile creation, status, job title, manager and employee-code changes, entity "
        "joins and leaves and primary-entity changes, each with who made it (from the history tables).",
        responses={200: TimelineEventSerializer(many=True), 404: REFUSED[404]},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request: Request, uuid: Any = None) -> Response:
        profile = self.get_object()
        return Response(TimelineEventSerializer(person_timeline(profile), many=True).data)


def _user_from(user_id: Any, email: str | None) -> Any:
    users = User.objects.filter(pk=user_id) if user_id else User.objects.filter(email__iexact=email or "")
    user = users.first()
    if user is None:
        field = "user" if user_id else "email"
        raise ValidationError({field: ValidationError("No member of this organisation has this id or email.",
                                                      code="not_member")})  # fmt: skip
    return user


def _person_apply(request: Request, profile: MemberProfile, data: dict[str, Any]) -> None:
    reason = data.pop("reason", "")
    preferences = data.pop("preferences", None)
    entities = data.pop("entities", None)
    primary = data.pop("primary_entity", None)
    if data:
        profile_update(profile=profile, acting_user=request.user, reason=reason, **data)
    if preferences is not None:
        profile_preferences_update(profile=profile, preferences=preferences, acting_user=request.user)
    if entities is not None:
        _memberships_set(request, profile, entities, reason)
    if primary is not None:
        _primary_set(request, profile, primary)


def _memberships_set(request: Request, profile: MemberProfile, entities: list[Entity], reason: str) -> None:
    current = {m.entity_id: m for m in EntityMembership.objects.filter(profile=profile).select_related("entity")}
    wanted = {entity.pk: entity for entity in entities}
    for entity_id, membership in current.items():
        if entity_id not in wanted:
            _require(request, access.MANAGE_PEOPLE, membership.entity)
            entity_membership_remove(membership=membership, acting_user=request.user, reason=reason)
    for entity_id, entity in wanted.items():
        if entity_id not in current:
            _require(request, access.MANAGE_PEOPLE, entity)
            entity_membership_add(profile=profile, entity=entity, acting_user=request.user)
    remaining = EntityMembership.objects.filter(profile=profile).order_by("entity__path")
    if not remaining.filter(is_primary=True).exists() and (first := remaining.first()) is not None:
        # A person who belongs somewhere has a primary entity: the first one, until told otherwise.
        entity_membership_set_primary(membership=first, acting_user=request.user)


def _primary_set(request: Request, profile: MemberProfile, entity: Entity) -> None:
    membership = EntityMembership.objects.filter(profile=profile, entity=entity).first()
    if membership is None:
        raise ValidationError({"primary_entity": ValidationError(
            "The primary entity must be one of the person's entities.", code="not_a_member_of_entity")})  # fmt: skip
    entity_membership_set_primary(membership=membership, acting_user=request.user)
