"""Tenant API of the support desk: the organisation's tickets and their public messages.

Tenant admins only, signed in (session or access token). Members get 403 `tenant_admin_required`;
integrator API keys get 403 `api_key_not_allowed`. Another tenant's ticket number is a 404. Internal
staff notes are never returned and cannot be created here.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.support import selectors, services
from apps.support.models import Ticket, TicketMessage
from apps.surfaces.api import TenantGenericViewSet, TenantListCreateAPIView

from .serializers import TicketMessageSerializer, TicketSerializer

WHO = "Tenant admins only; API keys are refused (`api_key_not_allowed`)."


@extend_schema_view(
    list=extend_schema(
        summary="List support tickets",
        description=f"The organisation's tickets, newest first (keyset pagination: follow `next`). {WHO}",
    ),
    retrieve=extend_schema(
        summary="Get a support ticket",
        description=f"One ticket by number (e.g. TKT-000123) with its SLA due times. {WHO}",
    ),
    create=extend_schema(
        summary="Open a support ticket",
        description="Open a ticket (subject, description, priority, category). The SLA due times "
        f"follow the organisation's plan and the priority. {WHO}",
    ),
)
class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, TenantGenericViewSet):
    tenant_access = "admin"
    serializer_class = TicketSerializer
    lookup_field = "number"
    lookup_value_regex = "[A-Za-z0-9-]+"

    def get_queryset(self) -> QuerySet[Ticket]:
        if getattr(self, "swagger_fake_view", False):
            return Ticket.objects.none()
        return selectors.tenant_tickets(self.request.tenant)  # type: ignore[attr-defined]

    def get_object(self) -> Ticket:
        return selectors.tenant_ticket_get(tenant=self.request.tenant, number=self.kwargs["number"])  # type: ignore[attr-defined]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = services.ticket_open(tenant=request.tenant, acting_user=request.user, **serializer.validated_data)  # type: ignore[attr-defined]
        return Response(TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)


class TicketMessageListView(TenantListCreateAPIView):
    tenant_access = "admin"
    cursor_ordering = ("created_at", "pk")  # a conversation reads oldest first
    serializer_class = TicketMessageSerializer

    def ticket(self) -> Ticket:
        return selectors.tenant_ticket_get(tenant=self.request.tenant, number=self.kwargs["number"])  # type: ignore[attr-defined]

    def get_queryset(self) -> QuerySet[TicketMessage]:
        if getattr(self, "swagger_fake_view", False):
            return TicketMessage.objects.none()
        return selectors.public_messages(self.ticket())

    @extend_schema(
        summary="List a ticket's messages",
        description=f"The public conversation of a ticket, oldest first (keyset pagination). {WHO}",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Reply to a ticket",
        description="Add a public reply. A ticket waiting on the customer (or resolved) goes back to "
        f"open; a closed ticket is refused with 400 `ticket_closed`. {WHO}",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.ticket()  # another tenant's ticket is missing (404) before the body is read
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.ticket_reply(
            ticket=ticket, body=serializer.validated_data["body"], acting_user=request.user, from_staff=False
        )
        return Response(TicketMessageSerializer(message).data, status=status.HTTP_201_CREATED)
