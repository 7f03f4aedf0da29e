"""Tenant API of chat: `/api/v1/chat/...` (docs/chat.md). Everything the socket offers is here too, for
clients without one. People with the plan's `chat` solution use their channels; API keys with `chat:read` /
`chat:write` read and post to public channels only. A channel one does not belong to is a 404."""

import uuid
from typing import Any

from django.http import FileResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.chat import selectors, services
from apps.chat.access import (
    API_PERMISSIONS,
    admin_require,
    attachment_for,
    channel_for,
    is_service,
    message_for,
    person_require,
)
from apps.chat.models import ChannelMember, MessageRevision
from apps.core.errors import refused
from apps.surfaces.api import TenantAPIView, validated

from .serializers import (
    ChatAnalyticsSerializer,
    ChatArchiveSerializer,
    ChatChannelInputSerializer,
    ChatChannelSerializer,
    ChatChannelUpdateSerializer,
    ChatDirectInputSerializer,
    ChatHistorySerializer,
    ChatInviteSerializer,
    ChatMemberSerializer,
    ChatMemberUpdateSerializer,
    ChatMessageEditSerializer,
    ChatMessageInputSerializer,
    ChatMessageSerializer,
    ChatReactionInputSerializer,
    ChatReadResultSerializer,
    ChatReadSerializer,
    ChatRevisionSerializer,
    ChatSearchHitSerializer,
    ChatSettingsSerializer,
)

REFUSED = {
    400: OpenApiResponse(
        description="Refused by a rule; `detail` says why and `code` names it (`not_a_member`, `channel_archived`, "
        "`muted`, `body_required`, `body_too_long`, `unknown_parent`, `thread_depth`, `name_taken`, "
        "`moderator_required`, `owner_required`, `not_author`, `attachment_type`, `attachment_too_large` ...)."
    ),
    403: OpenApiResponse(
        description="Not a member, no access to the `chat` solution (`solution_access_required`, "
        "`solution_not_in_plan`), or an API key without the `chat` scope (or doing what only people do)."
    ),
}
NOT_FOUND = {404: OpenApiResponse(description="No such channel or message (or not one of yours).")}


def _people(ids: list[Any], field: str) -> list[User]:
    found = list(User.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise refused("That person is not a member of this organisation.", code="unknown_person", field=field)
    return found


def _channel_row(request: Request, channel: Any) -> selectors.ChannelRow:
    member = (
        None if is_service(request.user) else ChannelMember.objects.filter(channel=channel, user=request.user).first()
    )
    unread = selectors.unread_counts(request.user, [channel.pk]).get(channel.pk, 0) if member else 0
    title = channel.name
    if channel.is_direct:
        other = selectors.direct_others(request.user, [channel.pk]).get(channel.pk)
        title = selectors.person_name(other)
    return selectors.ChannelRow(channel, member, title, unread)


def _int(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise refused(f"{field} is a number.", code="invalid_parameter", field=field) from exc


class ChatAPIMixin:
    tenant_access = "member"
    resource_family = "chat"
    solution_code = "chat"
    permission_classes = API_PERMISSIONS


class ChannelListView(ChatAPIMixin, TenantAPIView):
    @extend_schema(
        summary="My channels",
        description="The channels I belong to, most recent activity first, with my role, read position and "
        "unread count (up to 100; `unread_label` says 99+). `archived=1` lists the archived ones. An API key "
        "gets the public channels.",
        parameters=[OpenApiParameter("archived", bool)],
        responses={200: ChatChannelSerializer(many=True), 403: REFUSED[403]},
    )
    def get(self, request: Request) -> Response:
        if is_service(request.user):
            rows = selectors.channels_to_join(request.user)[:500]
            return Response(ChatChannelSerializer(rows, many=True).data)
        archived = request.query_params.get("archived") in ("1", "true")
        return Response(ChatChannelSerializer(selectors.my_channels(request.user, archived=archived), many=True).data)

    @extend_schema(
        summary="Create a channel",
        description="Public (anyone with chat may join) or private (by invitation). The creator owns it; "
        "`members` join at once. Names are unique whatever the case. Sends `chat.channel_created`.",
        request=ChatChannelInputSerializer,
        responses={201: ChatChannelSerializer, **REFUSED},
    )
    def post(self, request: Request) -> Response:
        data = validated(ChatChannelInputSerializer, request)
        channel = services.channel_create(
            name=data["name"],
            kind=data["kind"],
            topic=data["topic"],
            members=_people(data["members"], "members"),
            acting_user=request.user,
        )
        return Response(ChatChannelSerializer(_channel_row(request, channel)).data, status=status.HTTP_201_CREATED)


class ChannelJoinableView(ChatAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Public channels to join",
        description="Open public channels I am not in, by name (`q` filters).",
        parameters=[OpenApiParameter("q", str)],
        responses={200: ChatChannelSerializer(many=True), 403: REFUSED[403]},
    )
    def get(self, request: Request) -> Response:
        rows = selectors.channels_to_join(request.user, q=request.query_params.get("q", "").strip())[:200]
        return Response(ChatChannelSerializer(rows, many=True).data)


class DirectView(ChatAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Open a direct conversation",
        description="The one conversation of two people: created the first time (201), the same one after (200).",
        request=ChatDirectInputSerializer,
        responses={201: ChatChannelSerializer, 200: ChatChannelSerializer, **REFUSED},
    )
    def post(self, request: Request) -> Response:
        person_require(request)
        data = validated(ChatDirectInputSerializer, request)
        other = _people([data["user"]], "user")[0]
        channel, created = services.direct_open(user=request.user, other=other)
        return Response(ChatChannelSerializer(_channel_row(request, channel)).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)  # fmt: skip


class ChannelDetailView(ChatAPIMixin, TenantAPIView):
    @extend_schema(summary="A channel", description="With my membership and unread count.",
                   responses={200: ChatChannelSerializer, 403: REFUSED[403], **NOT_FOUND})  # fmt: skip
    def get(self, request: Request, pk: int) -> Response:
        return Response(ChatChannelSerializer(_channel_row(request, channel_for(request.user, pk, joinable=True))).data)

    @extend_schema(
        summary="Rename, change the topic or set a legal hold",
        description="Name and topic: the channel's owners and moderators. `legal_hold` (retention never deletes "
        "the channel's messages): tenant admins.",
        request=ChatChannelUpdateSerializer,
        responses={200: ChatChannelSerializer, **REFUSED, **NOT_FOUND},
    )
    def patch(self, request: Request, pk: int) -> Response:
        channel = channel_for(request.user, pk)
        data = validated(ChatChannelUpdateSerializer, request)
        channel = services.channel_update(channel=channel, acting_user=request.user, **data)
        return Response(ChatChannelSerializer(_channel_row(request, channel)).data)


class ChannelArchiveView(ChatAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Archive a channel (or bring it back)",
        description="An archived channel keeps its history, read-only. Its owners or a tenant admin.",
        request=ChatArchiveSerializer,
        responses={200: ChatChannelSerializer, **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        channel = channel_for(request.user, pk)
        data = validated(ChatArchiveSerializer, request)
        channel = services.channel_archive(channel=channel, acting_user=request.user, archived=data["archived"])
        return Response(ChatChannelSerializer(_channel_row(request, channel)).data)


class ChannelJoinView(ChatAPIMixin, TenantAPIView):
    @extend_schema(summary="Join a public channel", request=None,
                   description="Private channels are by invitation (`private_channel`). Sends `chat.member_joined`.",
                   responses={200: ChatChannelSerializer, **REFUSED, **NOT_FOUND})  # fmt: skip
    def post(self, request: Request, pk: int) -> Response:
        person_require(request)
        channel = channel_for(request.user, pk, joinable=True)
        services.channel_join(channel=channel, user=request.user)
        return Response(ChatChannelSerializer(_channel_row(request, channel)).data)


class ChannelLeaveView(ChatAPIMixin, TenantAPIView):
    @extend_schema(summary="Leave a channel", request=None,
                   description="Not a direct conversation, nor a team or workplace channel one is in through the "
                   "team (`synced_member`); the last owner names another first (`last_owner`).",
                   responses={204: None, **REFUSED, **NOT_FOUND})  # fmt: skip
    def post(self, request: Request, pk: int) -> Response:
        person_require(request)
        services.channel_leave(channel=channel_for(request.user, pk), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberListView(ChatAPIMixin, TenantAPIView):
    @extend_schema(summary="A channel's members", description="With their role, and a mute if any.",
                   responses={200: ChatMemberSerializer(many=True), 403: REFUSED[403], **NOT_FOUND})  # fmt: skip
    def get(self, request: Request, pk: int) -> Response:
        channel = channel_for(request.user, pk)
        rows = ChannelMember.objects.filter(channel=channel).select_related("user").order_by("user__full_name", "id")
        return Response(ChatMemberSerializer(rows[:1000], many=True).data)

    @extend_schema(
        summary="Add people",
        description="Any member adds people to a public channel, the moderators to a private one.",
        request=ChatInviteSerializer,
        responses={201: ChatMemberSerializer(many=True), **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        channel = channel_for(request.user, pk)
        data = validated(ChatInviteSerializer, request)
        added = services.members_invite(
            channel=channel, users=_people(data["users"], "users"), acting_user=request.user
        )
        rows = ChannelMember.objects.filter(pk__in=[m.pk for m in added]).select_related("user")
        return Response(ChatMemberSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)


class MemberDetailView(ChatAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Change a member: role, mute, notifications",
        description="`role` (owners or tenant admins), `muted_minutes` (moderators; 0 lifts the mute), `notify` "
        "(one's own: all, mentions or none).",
        request=ChatMemberUpdateSerializer,
        responses={200: ChatMemberSerializer, **REFUSED, **NOT_FOUND},
    )
    def patch(self, request: Request, pk: int, user: str) -> Response:
        channel = channel_for(request.user, pk)
        data = validated(ChatMemberUpdateSerializer, request)
        person = _people([user], "user")[0] if _uuid_ok(user) else None
        if person is None:
            raise refused("No such member.", code="unknown_person", field="user")
        if "muted_minutes" in data:
            services.member_mute(channel=channel, user=person, minutes=data["muted_minutes"], acting_user=request.user)
        member = services.member_update(channel=channel, user=person, acting_user=request.user,
                                        role=data.get("role"), notify=data.get("notify"))  # fmt: skip
        return Response(ChatMemberSerializer(member).data)

    @extend_schema(summary="Remove a member", description="Moderators. Sends `chat.member_left`.",
                   responses={204: None, **REFUSED, **NOT_FOUND})  # fmt: skip
    def delete(self, request: Request, pk: int, user: str) -> Response:
        channel = channel_for(request.user, pk)
        person = _people([user], "user")[0] if _uuid_ok(user) else None
        if person is None:
            raise refused("No such member.", code="unknown_person", field="user")
        services.member_remove(channel=channel, user=person, acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _uuid_ok(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


class MessageListView(ChatAPIMixin, TenantAPIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="A channel's history (one page)",
        description="Main history (replies are in their thread), oldest first. Without parameters the latest "
        "`limit` (default 50, at most 200); `before=<id>` the page before a message (scrolling up), "
        "`after=<id>` the messages since one (catching up). `has_more` says whether there is more that way. "
        "Keyset pagination on (channel, id): as fast on page 1,000 as on page 1.",
        parameters=[OpenApiParameter("before", int), OpenApiParameter("after", int), OpenApiParameter("limit", int)],
        responses={200: ChatHistorySerializer, 403: REFUSED[403], **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        channel = channel_for(request.user, pk)
        params = request.query_params
        page, more = selectors.history(channel, before=_int(params.get("before"), "before"),
                                       after=_int(params.get("after"), "after"),
                                       limit=_int(params.get("limit"), "limit") or selectors.PAGE)  # fmt: skip
        return Response({"results": ChatMessageSerializer(page, many=True).data, "has_more": more})

    @extend_schema(
        summary="Send a message",
        description="JSON, or multipart with `files` (repeat the field). `parent` replies in a thread (one level). "
        "`@email` or `@name` mentions a member (they are notified, their preferences honoured). With a "
        "`client_id`, a retry returns the first message (200) instead of a second one (201). Refused for a "
        "non-member (`not_a_member`), an archived channel, a muted member (`muted`), a body over 4,000 "
        "characters (`body_too_long`). The message reaches the channel's sockets at once.",
        request={"application/json": ChatMessageInputSerializer, "multipart/form-data": ChatMessageInputSerializer},
        responses={201: ChatMessageSerializer, 200: ChatMessageSerializer, **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        channel = channel_for(request.user, pk)
        data = validated(ChatMessageInputSerializer, request)
        message, created = services.message_send(channel=channel, author=request.user, body=data["body"],
                                                 parent=data.get("parent"), client_id=data.get("client_id"),
                                                 files=data["files"])  # fmt: skip
        return Response(ChatMessageSerializer(message).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)  # fmt: skip


class ReadView(ChatAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Move my read position",
        description="Forward only: a read position never goes back. Other members' sockets hear `read.moved`.",
        request=ChatReadSerializer,
        responses={200: ChatReadResultSerializer, **REFUSED, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        person_require(request)
        channel = channel_for(request.user, pk)
        data = validated(ChatReadSerializer, request)
        position = services.read_move(channel=channel, user=request.user, message_id=data["message"])
        return Response({"channel": channel.pk, "last_read_id": position})


class TypingView(ChatAPIMixin, TenantAPIView):
    @extend_schema(summary="Say I am typing", request=None,
                   description="Tells the channel's open sockets (`typing`); nothing is stored.",
                   responses={204: None, **REFUSED, **NOT_FOUND})  # fmt: skip
    def post(self, request: Request, pk: int) -> Response:
        person_require(request)
        services.typing(channel=channel_for(request.user, pk), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MessageDetailView(ChatAPIMixin, TenantAPIView):
    @extend_schema(summary="A message", responses={200: ChatMessageSerializer, 403: REFUSED[403], **NOT_FOUND})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ChatMessageSerializer(message_for(request.user, pk)).data)

    @extend_schema(
        summary="Edit a message",
        description="The author only; the earlier text is kept for moderators (`revisions`).",
        request=ChatMessageEditSerializer,
        responses={200: ChatMessageSerializer, **REFUSED, **NOT_FOUND},
    )
    def patch(self, request: Request, pk: int) -> Response:
        message = message_for(request.user, pk)
        data = validated(ChatMessageEditSerializer, request)
        return Response(ChatMessageSerializer(services.message_edit(message=message, body=data["body"],
                                                                    acting_user=request.user)).data)  # fmt: skip

    @extend_schema(
        summary="Delete a message",
        description="Soft: the message keeps its place with its body hidden. The author, or a moderator (the "
        "channel's owners and moderators, tenant admins) for anyone's.",
        responses={200: ChatMessageSerializer, **REFUSED, **NOT_FOUND},
    )
    def delete(self, request: Request, pk: int) -> Response:
        message = message_for(request.user, pk)
        return Response(ChatMessageSerializer(services.message_delete(message=message, acting_user=request.user)).data)


class RepliesView(ChatAPIMixin, TenantAPIView):
    @extend_schema(
        summary="A thread's replies",
        description="Oldest first; `after=<id>` for the ones since. Reply with `parent` when sending.",
        parameters=[OpenApiParameter("after", int)],
        responses={200: ChatMessageSerializer(many=True), 403: REFUSED[403], **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        message = message_for(request.user, pk)
        rows = selectors.thread(message, after=_int(request.query_params.get("after"), "after"))
        return Response(ChatMessageSerializer(rows, many=True).data)


class RevisionsView(ChatAPIMixin, TenantAPIView):
    @extend_schema(
        summary="A message's earlier texts (moderators)",
        description="Every text the message had before an edit, and a deleted message's last text. The "
        "channel's owners and moderators, and tenant admins.",
        responses={200: ChatRevisionSerializer(many=True), **REFUSED, **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        message = message_for(request.user, pk)
        if not services.may_moderate(message.channel, request.user):
            raise refused("Only the channel's owners and moderators read earlier texts.", code="moderator_required")
        rows = list(MessageRevision.objects.filter(message=message).order_by("id"))
        if message.deleted_at is not None:
            rows.append(MessageRevision(body=message.body, edited_by_id=message.deleted_by_id,
                                        edited_at=message.deleted_at))  # fmt: skip
        return Response(ChatRevisionSerializer(rows, many=True).data)


class ReactionView(ChatAPIMixin, TenantAPIView):
    @extend_schema(summary="React to a message", request=ChatReactionInputSerializer,
                   description="One reaction per person, message and emoji (again: no change).",
                   responses={200: ChatMessageSerializer, **REFUSED, **NOT_FOUND})  # fmt: skip
    def post(self, request: Request, pk: int) -> Response:
        return self._set(request, pk, on=True)

    @extend_schema(summary="Take a reaction back", request=ChatReactionInputSerializer,
                   responses={200: ChatMessageSerializer, **REFUSED, **NOT_FOUND})  # fmt: skip
    def delete(self, request: Request, pk: int) -> Response:
        return self._set(request, pk, on=False)

    def _set(self, request: Request, pk: int, *, on: bool) -> Response:
        person_require(request)
        message = message_for(request.user, pk)
        data = validated(ChatReactionInputSerializer, request)
        services.reaction_set(message=message, user=request.user, emoji=data["emoji"], on=on)
        return Response(ChatMessageSerializer(message_for(request.user, pk)).data)


class UnreadView(ChatAPIMixin, TenantAPIView):
    @extend_schema(
        summary="My unread counts",
        description='{"<channel id>": count} for every channel I belong to, each counted up to 100 (one query).',
        responses={200: OpenApiResponse(description="Counts by channel id.")},
    )
    def get(self, request: Request) -> Response:
        person_require(request)
        return Response({str(k): v for k, v in selectors.unread_counts(request.user).items()})


class SearchView(ChatAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Search messages",
        description='PostgreSQL full-text search over the channels I belong to (words, "a phrase", -not, or), '
        "best first, at most 50, with the matches highlighted. `channel` narrows it to one.",
        parameters=[OpenApiParameter("q", str, required=True), OpenApiParameter("channel", int)],
        responses={200: ChatSearchHitSerializer(many=True), 403: REFUSED[403]},
    )
    def get(self, request: Request) -> Response:
        person_require(request)
        channel_id = _int(request.query_params.get("channel"), "channel")
        channel = channel_for(request.user, channel_id) if channel_id else None
        hits = selectors.search(request.user, request.query_params.get("q", ""), channel=channel)
        return Response(ChatSearchHitSerializer(hits, many=True).data)


class AttachmentFileView(ChatAPIMixin, TenantAPIView):
    @extend_schema(summary="Download an attachment", description="To the channel's members.",
                   responses={(200, "application/octet-stream"): bytes, 403: REFUSED[403], **NOT_FOUND})  # fmt: skip
    def get(self, request: Request, pk: int) -> FileResponse:
        found = attachment_for(request.user, pk)
        return FileResponse(found.file.open("rb"), content_type=found.content_type, filename=found.name)


class SettingsView(ChatAPIMixin, TenantAPIView):
    @extend_schema(summary="The organisation's chat rules", responses={200: ChatSettingsSerializer, **REFUSED})
    def get(self, request: Request) -> Response:
        admin_require(request)
        rules = services.settings_get()
        return Response({"retention_days": rules.retention_days, "legal_hold": rules.legal_hold})

    @extend_schema(
        summary="Set retention and legal hold",
        description="Tenant admins. Retention deletes older messages daily, except while `legal_hold` is on and in "
        "channels under their own hold.",
        request=ChatSettingsSerializer,
        responses={200: ChatSettingsSerializer, **REFUSED},
    )
    def put(self, request: Request) -> Response:
        admin_require(request)
        data = validated(ChatSettingsSerializer, request)
        rules = services.settings_save(acting_user=request.user, retention_days=data["retention_days"],
                                       legal_hold=data["legal_hold"])  # fmt: skip
        return Response({"retention_days": rules.retention_days, "legal_hold": rules.legal_hold})


class AnalyticsView(ChatAPIMixin, TenantAPIView):
    @extend_schema(
        summary="Chat analytics",
        description="Messages per channel per day and active people per day over the last `days` (default 30, at "
        "most 366). Tenant admins.",
        parameters=[OpenApiParameter("days", int)],
        responses={200: ChatAnalyticsSerializer, **REFUSED},
    )
    def get(self, request: Request) -> Response:
        admin_require(request)
        days = max(1, min(_int(request.query_params.get("days"), "days") or 30, 366))
        return Response(selectors.analytics(days=days))
