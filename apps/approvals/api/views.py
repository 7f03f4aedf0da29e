"""Tenant API of approvals for people (mobile apps): the inbox, my requests, one request with its
trail, the actions, bulk approve, and delegations (docs/approvals.md). Every endpoint is personal:
an API key (no person) is refused with `person_required`; keys need the `approvals` scopes first."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.approvals.models import ApprovalRequest
from apps.approvals.routing import active_member_ids
from apps.approvals.selectors import (
    can_act,
    delegations_of,
    inbox_for,
    request_get_for_user,
    request_trail,
    requests_by,
)
from apps.approvals.services import (
    delegation_create,
    request_approve,
    request_cancel,
    request_comment,
    request_reject,
    request_return,
    requests_bulk_approve,
)
from apps.surfaces.api import TenantAPIView, TenantListAPIView, validated

from .serializers import (
    ApprovalBodySerializer,
    ApprovalCommentSerializer,
    ApprovalOptionalReasonSerializer,
    ApprovalReasonSerializer,
    ApprovalRequestDetailSerializer,
    ApprovalRequestSerializer,
    BulkApproveResponseSerializer,
    BulkApproveSerializer,
    DelegationCreateSerializer,
    DelegationSerializer,
)

REFUSED = {
    400: OpenApiResponse(description="Refused by a rule; `detail` says why and `code` names the rule."),
    403: OpenApiResponse(description="Not allowed: `person_required` for API keys, or you may not act on it."),
    404: OpenApiResponse(description="No such request (or not visible to you)."),
}
KIND = OpenApiParameter("kind", str, description="Only requests of this kind.")


class PersonalMixin:
    """Approvals are a person's: an API key (a service principal) is refused clearly."""

    tenant_access = "member"
    resource_family = "approvals"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if getattr(request.user, "is_service_principal", False):
            raise exceptions.PermissionDenied(
                {"detail": "Approvals belong to a person: sign in as one (an API key has no inbox).",
                 "code": "person_required"}
            )  # fmt: skip


class InboxView(PersonalMixin, TenantListAPIView):
    serializer_class = ApprovalRequestSerializer

    def get_queryset(self) -> QuerySet[ApprovalRequest]:
        return inbox_for(self.request.user, kind=self.request.query_params.get("kind") or None)

    @extend_schema(
        summary="Waiting for me",
        parameters=[KIND],
        description="Requests waiting for your decision now, newest first (cursor paginated).",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class MyRequestsView(PersonalMixin, TenantListAPIView):
    serializer_class = ApprovalRequestSerializer

    def get_queryset(self) -> QuerySet[ApprovalRequest]:
        params = self.request.query_params
        return requests_by(self.request.user, status=params.get("status") or None, kind=params.get("kind") or None)

    @extend_schema(summary="My requests", parameters=[KIND, OpenApiParameter("status", str, description="pending, "
                   "approved, rejected, returned or cancelled.")],
                   description="The requests you submitted, newest first (cursor paginated).")  # fmt: skip
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _detail(request: Request, approval: ApprovalRequest) -> Response:
    approval.refresh_from_db()
    context = {"trail": list(request_trail(approval)), "can_act": can_act(request.user, approval)}
    return Response(ApprovalRequestDetailSerializer(approval, context=context).data)


class RequestDetailView(PersonalMixin, TenantAPIView):
    @extend_schema(summary="One request with its trail", responses={200: ApprovalRequestDetailSerializer,
                   404: REFUSED[404]}, description="The request, whether you can act on it now, and its whole "
                   "trail (every action and routing decision, with why). 404 unless you are its requester, one "
                   "of its approvers (past or present) or an administrator.")  # fmt: skip
    def get(self, request: Request, uuid: str) -> Response:
        return _detail(request, request_get_for_user(request.user, uuid=uuid))


class ActionView(PersonalMixin, TenantAPIView):
    """POST …/<uuid>/<action>/: the action's body serializer, then the service."""

    body: Any = ApprovalCommentSerializer

    def act(self, approval: ApprovalRequest, user: Any, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def post(self, request: Request, uuid: str) -> Response:
        approval = request_get_for_user(request.user, uuid=uuid)
        self.act(approval, request.user, validated(self.body, request))
        return _detail(request, approval)


def _action_schema(summary: str, description: str, body: Any) -> Any:
    return extend_schema(summary=summary, description=description, request=body,
                         responses={200: ApprovalRequestDetailSerializer, **REFUSED})  # fmt: skip


class ApproveView(ActionView):
    body = ApprovalCommentSerializer

    @_action_schema("Approve", "Approve the request's open step (you must be asked now).", ApprovalCommentSerializer)
    def post(self, request: Request, uuid: str) -> Response:
        return super().post(request, uuid)

    def act(self, approval: ApprovalRequest, user: Any, data: dict[str, Any]) -> None:
        request_approve(request=approval, acting_user=user, comment=data["comment"])


class RejectView(ActionView):
    body = ApprovalReasonSerializer

    @_action_schema("Reject", "Reject the request; `reason` is required.", ApprovalReasonSerializer)
    def post(self, request: Request, uuid: str) -> Response:
        return super().post(request, uuid)

    def act(self, approval: ApprovalRequest, user: Any, data: dict[str, Any]) -> None:
        request_reject(request=approval, acting_user=user, reason=data["reason"])


class ReturnView(ActionView):
    body = ApprovalReasonSerializer

    @_action_schema("Return for changes", "Send the request back to its requester; `reason` is required.",
                    ApprovalReasonSerializer)  # fmt: skip
    def post(self, request: Request, uuid: str) -> Response:
        return super().post(request, uuid)

    def act(self, approval: ApprovalRequest, user: Any, data: dict[str, Any]) -> None:
        request_return(request=approval, acting_user=user, reason=data["reason"])


class CancelView(ActionView):
    body = ApprovalOptionalReasonSerializer

    @_action_schema("Cancel", "Cancel your own open request.", ApprovalOptionalReasonSerializer)
    def post(self, request: Request, uuid: str) -> Response:
        return super().post(request, uuid)

    def act(self, approval: ApprovalRequest, user: Any, data: dict[str, Any]) -> None:
        request_cancel(request=approval, acting_user=user, reason=data["reason"])


class CommentView(ActionView):
    body = ApprovalBodySerializer

    @_action_schema("Comment", "Add a comment to the request's trail.", ApprovalBodySerializer)
    def post(self, request: Request, uuid: str) -> Response:
        return super().post(request, uuid)

    def act(self, approval: ApprovalRequest, user: Any, data: dict[str, Any]) -> None:
        request_comment(request=approval, acting_user=user, body=data["body"])


class BulkApproveView(PersonalMixin, TenantAPIView):
    @extend_schema(summary="Approve several requests", request=BulkApproveSerializer,
                   responses={200: BulkApproveResponseSerializer, 400: REFUSED[400], 403: REFUSED[403]},
                   description="Approve each request on its own: those approved, and for each other uuid why "
                   "not (one failing does not stop the others).")  # fmt: skip
    def post(self, request: Request) -> Response:
        data = validated(BulkApproveSerializer, request)
        ids = dict(ApprovalRequest.objects.filter(uuid__in=data["uuids"]).values_list("pk", "uuid"))
        approved, errors = requests_bulk_approve(request_ids=list(ids), acting_user=request.user,
                                                 comment=data["comment"])  # fmt: skip
        missing = {str(uuid): "No such request." for uuid in data["uuids"] if uuid not in ids.values()}
        return Response({
            "approved": [str(row.uuid) for row in approved],
            "errors": {**missing, **{str(ids[pk]): message for pk, message in errors.items()}},
        })  # fmt: skip


class DelegationsView(PersonalMixin, TenantListAPIView):
    serializer_class = DelegationSerializer

    def get_queryset(self) -> Any:
        return delegations_of(self.request.user).order_by("-created_at", "-id")

    @extend_schema(summary="My delegations", description="Delegations you gave or received (cursor paginated).")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Delegate my approvals", request=DelegationCreateSerializer,
                   responses={201: DelegationSerializer, **REFUSED},
                   description="Your approvals (of `kinds`, all when empty) go to `delegate` from `starts_on` to "
                   "`ends_on`. Refused with the reason: yourself, a non-member, an unknown kind, an overlapping "
                   "delegation, a cycle of delegations on overlapping dates.")  # fmt: skip
    def post(self, request: Request) -> Response:
        data = validated(DelegationCreateSerializer, request)
        delegate = User.objects.filter(pk=data["delegate"]).first()
        if delegate is None or not active_member_ids([delegate.pk]):
            raise exceptions.ValidationError({"detail": "The delegate is not a member of this organisation.",
                                              "code": "not_member"})  # fmt: skip
        delegation = delegation_create(delegator=request.user, delegate=delegate, starts_on=data["starts_on"],
                                       ends_on=data["ends_on"], kinds=data["kinds"], reason=data["reason"],
                                       acting_user=request.user)  # fmt: skip
        return Response(DelegationSerializer(delegation).data, status=status.HTTP_201_CREATED)
