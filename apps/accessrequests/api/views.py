"""Tenant API of access requests: a member's own requests (every request for tenant admins and for
API keys with `access_requests:read`), and asking for access (people only: a key is refused with
`api_key_not_allowed`, since a request is always somebody's)."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.access import is_service_principal, is_tenant_admin
from apps.surfaces.api import TenantListCreateAPIView, TenantRetrieveAPIView, validated

from ..models import AccessRequest
from ..selectors import access_request_get_for, access_requests_all, access_requests_of
from ..services import access_request_submit
from .serializers import AccessRequestCreateSerializer, AccessRequestSerializer

READ_SCOPES = {method: ["access_requests:read"] for method in ("GET", "HEAD", "OPTIONS")}
REFUSED = {
    403: OpenApiResponse(description="Not an active member, or an API key without `access_requests:read` "
                         "(keys may only read); with a `code`."),
}  # fmt: skip


def _sees_all(request: Request) -> bool:
    return is_service_principal(request.user) or is_tenant_admin(request)


class AccessRequestListView(TenantListCreateAPIView):
    tenant_access = "member"
    required_scopes = READ_SCOPES
    serializer_class = AccessRequestSerializer

    def get_queryset(self) -> QuerySet[AccessRequest]:
        if getattr(self, "swagger_fake_view", False):
            return AccessRequest.objects.none()
        return access_requests_all() if _sees_all(self.request) else access_requests_of(self.request.user)

    @extend_schema(
        summary="List access requests",
        description="The caller's own access requests, newest first (cursor paginated); tenant admins and API "
        "keys with `access_requests:read` see every request of the organisation.",
        responses={200: AccessRequestSerializer(many=True), **REFUSED},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Ask for access",
        description="Ask for a role at an entity (`kind=role`, `role`, `entity`) or for a solution of the plan "
        "(`kind=solution`, `solution`), with a `reason`. The request goes through the organisation's "
        "access-request approval workflow; approval gives the role (scoped to the entity) or the solution. "
        "Refused with 400 and a `code` when the role or entity is unknown, the caller already holds it, an open "
        "request for it exists (`duplicate_request`) or the organisation has no workflow. People only.",
        request=AccessRequestCreateSerializer,
        responses={201: AccessRequestSerializer, 400: OpenApiResponse(description="Refused; `code` names the rule."),
                   **REFUSED},
    )  # fmt: skip
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(AccessRequestCreateSerializer, request)
        access_request = access_request_submit(
            requester=request.user, acting_user=request.user, kind=data["kind"], role=data["role"],
            entity=data["entity"], solution_code=data["solution"], reason=data["reason"],
        )  # fmt: skip
        return Response(AccessRequestSerializer(access_request).data, status=status.HTTP_201_CREATED)


class AccessRequestDetailView(TenantRetrieveAPIView):
    tenant_access = "member"
    required_scopes = READ_SCOPES
    serializer_class = AccessRequestSerializer
    queryset = AccessRequest.objects.none()

    def get_object(self) -> AccessRequest:
        return access_request_get_for(self.request.user, pk=self.kwargs["pk"], is_admin=_sees_all(self.request))

    @extend_schema(
        summary="Get an access request",
        description="One access request: its requester, the caller's tenant admins, its approvers and API keys "
        "with `access_requests:read` may read it; anyone else gets 404 as for a missing one.",
        responses={200: AccessRequestSerializer, 404: OpenApiResponse(description="Not found."), **REFUSED},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
