"""Tenant API: the plan's solutions (with the caller's access) and the solution access registry."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.solutions.models import SolutionAccess
from apps.solutions.selectors import access_list, plan_solutions_of, request_solutions
from apps.solutions.services import solution_access_grant, solution_access_revoke
from apps.surfaces.api import TenantAPIView, TenantGenericViewSet

from .filters import SolutionAccessFilter
from .serializers import (
    RevokeQuerySerializer,
    SolutionAccessGrantSerializer,
    SolutionAccessSerializer,
    SolutionSerializer,
)

REFUSED = {
    400: OpenApiResponse(description="Refused by a rule; `detail` says why and `code` names the rule."),
    403: OpenApiResponse(description="Not an active member (or, for changes, not a tenant admin), or an API key "
                         "without the `solutions` scope; with a `code`."),
}  # fmt: skip


class SolutionListView(TenantAPIView):
    tenant_access = "member"
    resource_family = "solutions"

    @extend_schema(
        summary="List the plan's solutions",
        description="The workforce solutions the organisation's plan includes, in menu order, each with "
        "`has_access`: whether the caller may use it (tenant admins: always; others: through a direct grant "
        "or a role they hold; API keys: through roles assigned to them). Members, or an API key with "
        "`solutions:read`.",
        responses={200: SolutionSerializer(many=True), 403: REFUSED[403]},
    )
    def get(self, request: Request) -> Response:
        available = {solution.code for solution in request_solutions(request, request.user)}
        solutions = list(plan_solutions_of(request.tenant))  # type: ignore[attr-defined]
        for solution in solutions:
            solution.has_access = solution.code in available  # type: ignore[attr-defined]
        return Response(SolutionSerializer(solutions, many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary="List solution access grants",
        description="Who has been given which solution: grants to people and to roles, newest first (cursor "
        "paginated). Filter by `solution`, `user` (user code) and `role` (role code); revoked grants only with "
        "`include_revoked=true`. Members, or an API key with `solutions:read`.",
        responses={200: SolutionAccessSerializer(many=True), 403: REFUSED[403]},
    ),
    retrieve=extend_schema(
        summary="Get a solution access grant",
        description="One grant by id, active or revoked.",
        responses={
            200: SolutionAccessSerializer,
            403: REFUSED[403],
            404: OpenApiResponse(description="No such grant."),
        },
    ),
)
class SolutionAccessViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    serializer_class = SolutionAccessSerializer
    tenant_access = "member_read_admin_write"
    resource_family = "solutions"
    filterset_class = SolutionAccessFilter
    cursor_ordering = ("-granted_at", "-pk")
    lookup_value_regex = r"\d+"
    queryset = SolutionAccess.objects.none()  # for the schema; get_queryset reads this tenant's schema

    def get_queryset(self) -> QuerySet[SolutionAccess]:
        return access_list(include_revoked=True)

    def get_object(self) -> SolutionAccess:
        access = access_list(include_revoked=True).filter(pk=self.kwargs["pk"]).first()
        if access is None:
            raise Http404("No such access grant in this organisation.")
        return access

    @extend_schema(
        summary="Grant a solution",
        description="Let one active member (`user`), or everyone holding a role or a role below it (`role`), "
        "use a solution of the plan. Tenant admins, or an API key with `solutions:write`. Errors: "
        "`solution_not_in_plan`, `unknown_solution`, `not_member`, `already_granted`, `one_grantee`.",
        request=SolutionAccessGrantSerializer,
        responses={201: SolutionAccessSerializer, **REFUSED},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = SolutionAccessGrantSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        access = solution_access_grant(
            solution_code=data["solution"], user=data["user"], role=data["role"], reason=data["reason"],
            acting_user=request.user,
        )  # fmt: skip
        return Response(SolutionAccessSerializer(access).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revoke a solution grant",
        description="End a grant: the person, or the role's holders, lose the solution unless another grant "
        "still gives it. The grant stays listed (with `include_revoked=true`) and in the history. Optional "
        "`reason` query parameter. Tenant admins, or an API key with `solutions:write`. Revoking twice is a "
        "400 `already_revoked`.",
        parameters=[OpenApiParameter("reason", str, description="Why; kept on the grant and in the audit log.")],
        request=None,
        responses={204: None, **REFUSED, 404: OpenApiResponse(description="No such grant.")},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        access = self.get_object()
        query = RevokeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        solution_access_revoke(access=access, acting_user=request.user, reason=query.validated_data["reason"][:255])
        return Response(status=status.HTTP_204_NO_CONTENT)
