from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.access import tenant_membership_get
from apps.accounts.models import Membership
from apps.accounts.services import (
    membership_change_role,
    membership_reactivate,
    membership_remove,
    membership_suspend,
)
from apps.surfaces.api import TenantAPIView, TenantGenericViewSet, validated

from .filters import MembershipFilter, tenant_members
from .serializers import MemberRoleSerializer, MemberSerializer, MeSerializer, ReasonSerializer

REFUSED = {
    400: OpenApiResponse(description="Refused by a rule; `detail` says why and `code` names the rule."),
    403: OpenApiResponse(description="Not an active member, or (for changes) not a tenant admin; with a `code`."),
    404: OpenApiResponse(description="No such member in this organisation."),
}


@extend_schema_view(
    list=extend_schema(
        summary="List members",
        description="Members of this organisation, newest first (cursor paginated). Filter by `role` and "
        "`status`; `q` searches name and email. Every active member may read.",
    ),
    retrieve=extend_schema(summary="Get a member", description="One member of this organisation.", responses={
        200: MemberSerializer, 404: REFUSED[404]}),
)  # fmt: skip
class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    """Members of the tenant whose domain was called. Changes need the tenant_admin role."""

    serializer_class = MemberSerializer
    tenant_access = "member_read_admin_write"
    filterset_class = MembershipFilter
    lookup_value_regex = r"\d+"
    queryset = Membership.objects.none()  # for the schema; get_queryset scopes to the tenant

    def get_queryset(self) -> QuerySet[Membership]:
        return tenant_members(tenant=self.request.tenant)  # type: ignore[attr-defined]

    def get_object(self) -> Membership:
        return tenant_membership_get(tenant=self.request.tenant, pk=self.kwargs["pk"])  # type: ignore[attr-defined]

    def _answer(self, membership: Membership) -> Response:
        return Response(MemberSerializer(membership).data)

    @extend_schema(
        summary="Change a member's role",
        description="Tenant admins only. The organisation must keep at least one active tenant admin.",
        request=MemberRoleSerializer, responses={200: MemberSerializer, **REFUSED},
    )  # fmt: skip
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        membership = self.get_object()  # another tenant's member is missing (404) before the body is read
        data = validated(MemberRoleSerializer, request)
        return self._answer(membership_change_role(membership=membership, role=data["role"], acting_user=request.user))

    @extend_schema(
        summary="Suspend a member",
        description="Tenant admins only. A suspended member keeps their seat but cannot use the portal or API. "
        "You cannot suspend yourself or the last active tenant admin.",
        request=ReasonSerializer, responses={200: MemberSerializer, **REFUSED},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: Any = None) -> Response:
        membership = self.get_object()
        reason = validated(ReasonSerializer, request)["reason"]
        return self._answer(membership_suspend(membership=membership, acting_user=request.user, reason=reason))

    @extend_schema(
        summary="Reactivate a member",
        description="Tenant admins only. Gives a suspended member access again.",
        request=None, responses={200: MemberSerializer, **REFUSED},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, pk: Any = None) -> Response:
        return self._answer(membership_reactivate(membership=self.get_object(), acting_user=request.user))

    @extend_schema(
        summary="Remove a member",
        description="Tenant admins only. The member loses access and frees their seat; the record stays. "
        "The last active tenant admin cannot be removed.",
        request=ReasonSerializer, responses={200: MemberSerializer, **REFUSED},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, pk: Any = None) -> Response:
        membership = self.get_object()
        reason = validated(ReasonSerializer, request)["reason"]
        return self._answer(membership_remove(membership=membership, acting_user=request.user, reason=reason))


class MeView(TenantAPIView):
    """The caller and their membership of this organisation."""

    tenant_access = "member"

    @extend_schema(
        summary="Current user",
        description="The signed-in user, their membership of this organisation (role, status) and the organisation.",
        responses={200: MeSerializer, 403: REFUSED[403]},
    )
    def get(self, request: Request) -> Response:
        data = {"user": request.user, "membership": request.membership, "tenant": request.tenant}  # type: ignore[attr-defined]
        return Response(MeSerializer(data).data)
