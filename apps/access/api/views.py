"""Tenant API: roles, role assignments and explanations of who may do what (docs/access.md).

People: every active member reads roles and their own access; tenant admins change roles and manage
every assignment; a member holding `organisation.assign_roles` on an entity manages assignments
there. API keys call these endpoints with the scopes `access:read` / `access:write`; the key's own
role assignments decide which assignments it sees and where it may give roles.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.access.catalogue import permission_get
from apps.access.models import Role, RoleAssignment
from apps.access.resolver import explain
from apps.access.selectors import roles_list
from apps.access.services import assignment_create, assignment_revoke, role_create, role_delete, role_update
from apps.accounts.access import is_tenant_admin
from apps.accounts.models import Membership, User
from apps.organisation.models import Entity
from apps.surfaces.api import TenantAPIView, TenantGenericViewSet, TenantModelViewSet

from .access import (
    access_overview,
    assignment_get_for,
    assignments_visible_to,
    delegation_check,
    is_key,
    may_assign,
    may_revoke,
    role_ancestry,
    role_get,
)
from .filters import AssignmentFilter
from .serializers import (
    AssignmentCreateSerializer,
    AssignmentSerializer,
    ExplainQuerySerializer,
    ExplainResponseSerializer,
    RevokeReasonSerializer,
    RoleSerializer,
    RoleWriteSerializer,
)

ENTITY_MODEL = "organisation.entity"
REFUSED = {
    400: OpenApiResponse(description="Refused by a rule; `detail` says why, `code` names the rule, `errors` by field."),
    403: OpenApiResponse(
        description="Not allowed here; `code` says why (e.g. tenant_admin_required, "
        "assign_roles_required, insufficient_scope)."
    ),
    404: OpenApiResponse(description="No such object in this organisation (or not visible to you)."),
}


def _refuse(message: str, code: str) -> exceptions.PermissionDenied:
    return exceptions.PermissionDenied({"detail": message, "code": code})


@extend_schema_view(
    list=extend_schema(
        summary="List roles",
        description="The organisation's roles, newest first (cursor paginated), each with its own permissions, "
        "the permissions it inherits from its parent roles (`inherited_permissions`, with the role they come "
        "from) and both together (`effective_permissions`). Every active member may read; API keys need "
        "`access:read`.",
    ),
    retrieve=extend_schema(
        summary="Get a role",
        description="One role by uuid, with inherited and effective permissions.",
        responses={200: RoleSerializer, 404: REFUSED[404]},
    ),
)
class RoleViewSet(TenantModelViewSet):
    serializer_class = RoleSerializer
    tenant_access = "member_read_admin_write"
    resource_family = "access"
    lookup_field = "uuid"
    lookup_value_regex = r"[0-9a-fA-F-]{36}"
    queryset = Role.objects.none()  # for the schema; get_queryset reads the tenant's schema
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Role]:
        return roles_list()

    def get_object(self) -> Role:
        return role_get(uuid=self.kwargs["uuid"])

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "ancestry": getattr(self, "ancestry", None)}

    def paginate_queryset(self, queryset: Any) -> list[Role] | None:
        page = super().paginate_queryset(queryset)
        self.ancestry = role_ancestry(list(page or []))  # every listed role's ancestors in one query
        return page

    def _answer(self, role: Role, code: int = status.HTTP_200_OK) -> Response:
        return Response(RoleSerializer(role, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary="Create a role",
        description="A new role with a parent (optional) and its own permissions, each “app_label.codename” "
        "of a tenant model with optional conditions. Tenant admins, or API keys with `access:write`. Unknown "
        "permissions, conditions that do not apply and duplicate names are 400s.",
        request=RoleWriteSerializer, responses={201: RoleSerializer, **REFUSED},
    )  # fmt: skip
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = RoleWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(role_create(**serializer.validated_data, acting_user=request.user), status.HTTP_201_CREATED)

    def _change(self, request: Request, *, partial: bool) -> Response:
        role = self.get_object()
        serializer = RoleWriteSerializer(role, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return self._answer(role_update(role=role, **serializer.validated_data, acting_user=request.user))

    @extend_schema(
        summary="Replace a role",
        description="Change a role's code, name, description, parent and permissions; the grants of its active "
        "assignments (and of the roles below it) follow at once. A parent below the role itself is refused "
        "(`cycle`); a default role keeps its code. Tenant admins, or API keys with `access:write`.",
        request=RoleWriteSerializer, responses={200: RoleSerializer, **REFUSED},
    )  # fmt: skip
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._change(request, partial=False)

    @extend_schema(
        summary="Change a role",
        description="Change some of a role's fields (see “Replace a role”). Tenant admins, or API keys with "
        "`access:write`.",
        request=RoleWriteSerializer, responses={200: RoleSerializer, **REFUSED},
    )  # fmt: skip
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._change(request, partial=True)

    @extend_schema(
        summary="Delete a role",
        description="Delete a role nobody holds or held and no role inherits from. Default roles cannot be "
        "deleted (`system_role`). Tenant admins, or API keys with `access:write`.",
        responses={204: None, **REFUSED},
    )  # fmt: skip
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        role_delete(role=self.get_object(), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="List role assignments",
        description="Role assignments, newest first (cursor paginated). A tenant admin sees all; anyone else "
        "their own (given to them, a team of theirs, or the calling API key) and those scoped to an entity "
        "where they may assign roles. Filters: status, role, principal_kind, user, team, api_key, "
        "scope_entity, expiring_before, expiring_soon.",
    ),
    retrieve=extend_schema(
        summary="Get a role assignment",
        description="One assignment by uuid (the same 404 for missing and not visible).",
        responses={200: AssignmentSerializer, 404: REFUSED[404]},
    ),
)
class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    serializer_class = AssignmentSerializer
    tenant_access = "member"
    resource_family = "access"
    filterset_class = AssignmentFilter
    lookup_field = "uuid"
    lookup_value_regex = r"[0-9a-fA-F-]{36}"
    queryset = RoleAssignment.objects.none()  # for the schema; get_queryset scopes to what the caller may see

    def _is_admin(self) -> bool:
        return is_tenant_admin(self.request)

    def get_queryset(self) -> QuerySet[RoleAssignment]:
        if getattr(self, "swagger_fake_view", False):
            return RoleAssignment.objects.none()
        return assignments_visible_to(self.request.user, is_admin=self._is_admin())

    def get_object(self) -> RoleAssignment:
        return assignment_get_for(self.request.user, is_admin=self._is_admin(), uuid=self.kwargs["uuid"])

    @extend_schema(
        summary="Give a role",
        description="Give a role to exactly one user (an active member), team (entity: its members, now and "
        "later) or API key, on an entity and everything below it, from `valid_from` (empty: now; a future time "
        "schedules it) until `valid_until` (empty: until revoked). Tenant admins; or a member (or API key with "
        "`access:write`) who holds `organisation.assign_roles` on the scope entity, and then only a role whose "
        "permissions they hold there themselves (`beyond_own_rights`).",
        request=AssignmentCreateSerializer, responses={201: AssignmentSerializer, **REFUSED},
    )  # fmt: skip
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = AssignmentCreateSerializer(data=request.data, context={"tenant": request.tenant})  # type: ignore[attr-defined]
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        is_admin = self._is_admin()
        if not may_assign(request.user, is_admin=is_admin, scope_entity=data["scope_entity"]):
            raise _refuse(f"You may not assign roles in {data['scope_entity'].name}.", "assign_roles_required")
        delegation_check(request.user, is_admin=is_admin, role=data["role"], scope_entity=data["scope_entity"])
        assignment = assignment_create(**data, acting_user=request.user)
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revoke a role assignment",
        description="End an assignment now, with a reason; the access it gave is removed at once (access from "
        "other assignments stays). Tenant admins, or whoever may assign roles on its scope entity. An ended "
        "assignment is a 400 `already_ended`.",
        request=RevokeReasonSerializer, responses={200: AssignmentSerializer, **REFUSED},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, uuid: Any = None) -> Response:
        assignment = self.get_object()
        if not may_revoke(request.user, is_admin=self._is_admin(), assignment=assignment):
            raise _refuse("You may not revoke assignments in this scope.", "assign_roles_required")
        serializer = RevokeReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = assignment_revoke(assignment=assignment, acting_user=request.user, **serializer.validated_data)
        return Response(AssignmentSerializer(assignment).data)


def _person(request: Request, value: str) -> User:
    """The member of this organisation with this user id or code; 404 otherwise."""
    members = User.objects.filter(memberships__tenant=request.tenant)  # type: ignore[attr-defined]
    person = members.filter(code=value.upper()).first() if value.upper().startswith("USR-") else None
    if person is None:
        try:
            person = members.filter(pk=value).first()
        except ValidationError:  # neither a code nor a UUID
            person = None
    if person is None:
        raise Http404("No such member in this organisation.")
    return person


def _bad(field: str, message: str, code: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({field: [exceptions.ErrorDetail(message, code=code)]})


class ExplainView(TenantAPIView):
    tenant_access = "member"
    resource_family = "access"

    @extend_schema(
        summary="Explain access",
        description="What a person may do and why. With `permission` (and optionally `entity`): may they do it, "
        "and every reason (the assignment, its role, the parent role that carries the permission, the team, "
        "the scope, until when; or the tenant admin rule). Without `permission`: their current and scheduled "
        "assignments with everything each gives. Members may explain themselves, tenant admins anyone; an API "
        "key (with `access:read`) explains itself when `user` is left out.",
        parameters=[ExplainQuerySerializer],
        responses={200: ExplainResponseSerializer, **REFUSED},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        query = ExplainQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        principal = self._principal(request, query.validated_data.get("user"))
        key = query.validated_data.get("permission")
        entity = self._entity(query.validated_data.get("entity"))
        found = permission_get(key) if key else None
        if key and found is None:
            raise _bad("permission", f"Unknown permission: {key}.", "invalid_permission")
        if entity is not None and (found is None or found.model != ENTITY_MODEL):
            raise _bad("entity", "Give a permission on entities (organisation.…_entity or an entity action) to "
                       "ask about an entity.", "permission_not_for_entity")  # fmt: skip
        explanations = explain(principal, key, entity) if key else []
        data = {
            "user": None if is_key(principal) else principal,
            "api_key": principal.api_key if is_key(principal) else None,
            "tenant_admin": not is_key(principal) and self._tenant_admin(request, principal),
            "permission": key or None, "entity": entity, "allowed": bool(explanations) if key else None,
            "explanations": explanations, "assignments": [] if key else access_overview(principal),
        }  # fmt: skip
        return Response(ExplainResponseSerializer(data).data)

    def _principal(self, request: Request, value: str | None) -> Any:
        if not value:
            return request.user
        person = _person(request, value)
        if is_key(request.user) or (person.pk != request.user.pk and not is_tenant_admin(request)):  # type: ignore[arg-type]
            raise _refuse("Only a tenant admin may look at another person's access.", "tenant_admin_required")
        return person

    @staticmethod
    def _entity(value: Any) -> Entity | None:
        if value is None:
            return None
        entity = Entity.objects.filter(uuid=value).first()
        if entity is None:
            raise _bad("entity", "No such entity in this organisation.", "invalid_entity")
        return entity

    @staticmethod
    def _tenant_admin(request: Request, person: User) -> bool:
        return Membership.objects.filter(
            user=person, tenant=request.tenant, status=Membership.Status.ACTIVE,  # type: ignore[attr-defined]
            role=Membership.Role.TENANT_ADMIN,
        ).exists()  # fmt: skip
