from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.invitations.models import Invitation, InvitationStatus
from apps.invitations.selectors import invitation_get_for_tenant, invitations_for_tenant
from apps.invitations.services import (
    invitation_accept,
    invitation_cancel,
    invitation_create,
    invitation_decline,
    invitation_resend,
)
from apps.members.api.serializers import MemberSerializer
from apps.surfaces.api import TenantGenericViewSet, TenantViewSet, validated

from .serializers import (
    CancelSerializer,
    InvitationAcceptSerializer,
    InvitationCreateSerializer,
    InvitationDeclineSerializer,
    InvitationSerializer,
)

REFUSED = {
    400: OpenApiResponse(description="Refused by a rule; `detail` says why and `code` names the rule."),
    403: OpenApiResponse(description="Not an active member, or (for changes) not a tenant admin; with a `code`."),
    404: OpenApiResponse(description="No such invitation in this organisation."),
}
ANSWER_REFUSED = {
    400: OpenApiResponse(
        description="`invalid_token`, `expired`, `already_accepted`, `already_declined`, `cancelled`, "
        "`sign_in_required`, `wrong_user`, `invalid_password`, `already_member` or `max_users_reached`."
    )
}


def _site_url(request: Request) -> str:
    return request.build_absolute_uri("/")


@extend_schema_view(
    list=extend_schema(
        summary="List invitations",
        description="Invitations of this organisation, newest first (cursor paginated). `status` filters "
        "(a pending invitation past its expiry counts as expired); `q` searches the email. Every active "
        "member may read.",
        parameters=[
            OpenApiParameter("status", enum=InvitationStatus.values, description="Invitation status."),
            OpenApiParameter("q", description="Part of the invited email."),
        ],
    ),
    retrieve=extend_schema(summary="Get an invitation", description="One invitation of this organisation.",
                           responses={200: InvitationSerializer, 404: REFUSED[404]}),
)  # fmt: skip
class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    """Invitations to the tenant whose domain was called. Changes need the tenant_admin role."""

    serializer_class = InvitationSerializer
    tenant_access = "member_read_admin_write"
    filter_backends: list[Any] = []  # status and q are applied by the selector
    lookup_value_regex = r"\d+"
    queryset = Invitation.objects.none()  # for the schema; get_queryset scopes to the tenant

    def get_queryset(self) -> QuerySet[Invitation]:
        params = self.request.query_params
        return invitations_for_tenant(
            tenant=self.request.tenant,  # type: ignore[attr-defined]
            status=params.get("status", ""),
            search=params.get("q", ""),
        )

    def get_object(self) -> Invitation:
        return invitation_get_for_tenant(tenant=self.request.tenant, pk=self.kwargs["pk"])  # type: ignore[attr-defined]

    @extend_schema(
        summary="Invite someone",
        description="Tenant admins only. Emails an invitation link valid for INVITATION_EXPIRY_DAYS (7 by default). "
        "Refused with `invalid_email`, `already_member`, `already_invited` (one pending invitation per "
        "email) or `max_users_reached`.",
        request=InvitationCreateSerializer, responses={201: InvitationSerializer, **REFUSED},
    )  # fmt: skip
    def create(self, request: Request) -> Response:
        data = validated(InvitationCreateSerializer, request)
        invitation = invitation_create(
            tenant=request.tenant, email=data["email"], role=data["role"],  # type: ignore[attr-defined]
            acting_user=request.user, site_url=_site_url(request),
        )  # fmt: skip
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Resend an invitation",
        description="Tenant admins only. Sends a new link (the previous one stops working) and renews the "
        "expiry. At most INVITATION_MAX_RESENDS_PER_DAY (3) per UTC day: then `resend_limit`.",
        request=None, responses={200: InvitationSerializer, **REFUSED},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def resend(self, request: Request, pk: Any = None) -> Response:
        invitation = invitation_resend(
            invitation=self.get_object(), acting_user=request.user, site_url=_site_url(request)
        )
        return Response(InvitationSerializer(invitation).data)

    @extend_schema(
        summary="Cancel an invitation",
        description="Tenant admins only. Withdraws a pending invitation; who, when and the reason are kept.",
        request=CancelSerializer, responses={200: InvitationSerializer, **REFUSED},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        invitation = self.get_object()  # another tenant's invitation is missing (404) before the body is read
        reason = validated(CancelSerializer, request)["reason"]
        invitation = invitation_cancel(invitation=invitation, acting_user=request.user, reason=reason)
        return Response(InvitationSerializer(invitation).data)


class InvitationAnswerViewSet(TenantViewSet):
    """The invitee's side: answer with the token from the email. No membership needed."""

    tenant_access = "public"

    @extend_schema(
        summary="Accept an invitation",
        description="With the emailed token. If no account exists for the invited email, `password` (Django's "
        "password rules, at least 12 characters) creates one with a verified email; if one exists, the caller "
        "must be signed in as it. Returns the new membership.",
        request=InvitationAcceptSerializer, responses={200: MemberSerializer, **ANSWER_REFUSED},
    )  # fmt: skip
    @action(detail=False, methods=["post"])
    def accept(self, request: Request) -> Response:
        data = validated(InvitationAcceptSerializer, request)
        membership = invitation_accept(
            token=data["token"], tenant=request.tenant, user=request.user,  # type: ignore[attr-defined]
            password=data["password"], full_name=data["full_name"],
        )  # fmt: skip
        return Response(MemberSerializer(membership).data)

    @extend_schema(
        summary="Decline an invitation",
        description="With the emailed token; an optional reason is kept. Whoever holds the link may decline.",
        request=InvitationDeclineSerializer, responses={200: InvitationSerializer, **ANSWER_REFUSED},
    )  # fmt: skip
    @action(detail=False, methods=["post"])
    def decline(self, request: Request) -> Response:
        data = validated(InvitationDeclineSerializer, request)
        invitation = invitation_decline(
            token=data["token"], tenant=request.tenant, acting_user=request.user,  # type: ignore[attr-defined]
            reason=data["reason"],
        )  # fmt: skip
        return Response(InvitationSerializer(invitation).data)
