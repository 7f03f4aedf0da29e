"""Tenant API: the caller's own notifications (/api/v1/notifications/…).

Every endpoint is a PERSON's own data (inbox, unread count, preferences). An integrator's API key acts
for no person, so it is refused with 403 `person_required` even when it holds the `notifications`
scopes (the family is declared so keys can be scoped consistently; a key never reads anyone's inbox).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.access import is_service_principal
from apps.notifications import registry, selectors, services
from apps.surfaces.api import TenantAPIView, TenantListAPIView, validated

from .serializers import (
    MarkedSerializer,
    MarkReadSerializer,
    NotificationSerializer,
    PreferencesSerializer,
    PreferencesUpdateSerializer,
    UnreadCountSerializer,
)

PERSON_REQUIRED = "Notifications belong to a person: sign in as a member (a user access token), not with an API key."
REFUSED = {
    400: OpenApiResponse(description="Bad input; `detail` says why and `code` names the rule."),
    403: OpenApiResponse(
        description="Not an active member of this organisation, or an API key "
        "(`person_required`: these endpoints are a person's own)."
    ),
}


class PersonalMixin:
    """The caller must be a person (a member), never a service principal."""

    tenant_access = "member"
    resource_family = "notifications"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]  # authentication and TenantAccess first
        if is_service_principal(request.user):
            raise exceptions.PermissionDenied(PERSON_REQUIRED, code="person_required")


@extend_schema(
    summary="List my notifications",
    description="The caller's in-app notifications, newest first (cursor paginated). `unread=1`: unread only; "
    "`category`: one category's. A person's own only; API keys are refused (`person_required`).",
    parameters=[
        OpenApiParameter("unread", bool, description="1: unread only."),
        OpenApiParameter("category", str, description="A category key (e.g. billing, security)."),
    ],
    responses={200: NotificationSerializer(many=True), **REFUSED},
)
class NotificationListView(PersonalMixin, TenantListAPIView):
    serializer_class = NotificationSerializer
    queryset = selectors.Notification.objects.none()  # for the schema; get_queryset is the caller's own

    def get_queryset(self) -> Any:
        rows = selectors.inbox(self.request.user, unread_only=self.request.query_params.get("unread") in ("1", "true"))
        category = self.request.query_params.get("category", "")
        if category:
            registry.category(category)  # an unknown category is a 400 with the known ones
            rows = rows.filter(category=category)
        return rows


class UnreadCountView(PersonalMixin, TenantAPIView):
    @extend_schema(
        summary="My unread count",
        description="How many of the caller's notifications are unread, counted up to a cap (the badge's number).",
        responses={200: UnreadCountSerializer, 403: REFUSED[403]},
    )
    def get(self, request: Request) -> Response:
        count = selectors.unread_count(request.user)
        return Response({"unread": count, "capped": count >= selectors.UNREAD_CAP})


class MarkReadView(PersonalMixin, TenantAPIView):
    @extend_schema(
        summary="Mark notifications read",
        description="`{\"ids\": [...]}` marks those of the caller's notifications read (others' ids are ignored, "
        "as missing); `{\"all\": true}` marks every unread one. Repeating the call changes nothing more.",
        request=MarkReadSerializer, responses={200: MarkedSerializer, **REFUSED},
    )  # fmt: skip
    def post(self, request: Request) -> Response:
        data = validated(MarkReadSerializer, request)
        if data["all"]:
            marked = services.notification_mark_read(user=request.user, all=True)
        else:
            marked = services.notification_mark_read(user=request.user, ids=data["ids"])
        return Response({"marked": marked})


def _preferences(user: Any) -> dict[str, Any]:
    quiet = selectors.quiet_hours_for(user)
    quiet_data = {"start": quiet.start, "end": quiet.end, "time_zone": quiet.time_zone} if quiet else None
    return PreferencesSerializer({"categories": selectors.preferences_for(user), "quiet_hours": quiet_data}).data


class PreferencesView(PersonalMixin, TenantAPIView):
    @extend_schema(
        summary="My notification preferences",
        description="Each category with each channel: in effect or not, locked (critical) or not, and where the "
        "value comes from; the digest choice per category; quiet hours.",
        responses={200: PreferencesSerializer, 403: REFUSED[403]},
    )
    def get(self, request: Request) -> Response:
        return Response(_preferences(request.user))

    @extend_schema(
        summary="Change my notification preferences",
        description="Only what is given changes, all or nothing: `preferences` (category, channel, enabled), "
        "`digests` (category, frequency none/daily/weekly), `quiet_hours` (null: off). A critical channel cannot "
        "be switched off and a critical category has no digest (400 with the reason). Answers the new state.",
        request=PreferencesUpdateSerializer, responses={200: PreferencesSerializer, **REFUSED},
    )  # fmt: skip
    def put(self, request: Request) -> Response:
        data = validated(PreferencesUpdateSerializer, request)
        user = request.user
        with transaction.atomic():
            for item in data.get("preferences", []):
                services.preference_set(user=user, acting_user=user, **item)
            for item in data.get("digests", []):
                services.digest_set(user=user, acting_user=user, **item)
            if "quiet_hours" in data:
                quiet = data["quiet_hours"] or {"start": None, "end": None, "time_zone": "UTC"}
                services.quiet_hours_set(user=user, start=quiet["start"], end=quiet["end"],
                                         time_zone=quiet["time_zone"] or "UTC", acting_user=user)  # fmt: skip
        return Response(_preferences(user))
