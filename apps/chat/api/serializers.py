"""Serializers of the chat API. A message has one shape everywhere (apps/chat/serialize.py): the API's
answers and the socket's events carry the same dict; the classes here describe it for the OpenAPI document.
Kinds, roles, notification levels and sources are choice fields, so the schema names their enums
(ChatChannelKindEnum, ChatMemberRoleEnum, ChatNotifyLevelEnum, ChatMemberSourceEnum: SPECTACULAR's
ENUM_NAME_OVERRIDES, since "kind", "role" and "source" are names other apps use too)."""

from typing import Any

from rest_framework import serializers

from apps.chat.models import BODY_MAX, ChannelKind, MemberRole, MemberSource, NotifyLevel
from apps.chat.selectors import ChannelRow, unread_label
from apps.chat.serialize import message_data


class ChatReactionSerializer(serializers.Serializer):
    emoji = serializers.CharField()
    count = serializers.IntegerField()
    users = serializers.ListField(child=serializers.UUIDField())


class ChatAttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.CharField(help_text="Download it here (members of the channel only).")


class ChatMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.IntegerField()
    author = serializers.UUIDField(allow_null=True, help_text="Empty when an integration posted it.")
    author_name = serializers.CharField()
    body = serializers.CharField(help_text="Empty when the message was deleted.")
    parent = serializers.IntegerField(allow_null=True, help_text="The thread's first message, for a reply.")
    reply_count = serializers.IntegerField()
    last_reply_at = serializers.DateTimeField(allow_null=True)
    client_id = serializers.UUIDField(allow_null=True)
    mentions = serializers.ListField(child=serializers.UUIDField())
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    deleted = serializers.BooleanField()
    reactions = ChatReactionSerializer(many=True)
    attachments = ChatAttachmentSerializer(many=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return message_data(instance)


class ChatHistorySerializer(serializers.Serializer):
    results = ChatMessageSerializer(many=True, help_text="Oldest first.")
    has_more = serializers.BooleanField(help_text="More messages in the direction read (before/after).")


class ChatChannelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ChannelKind.choices)
    name = serializers.CharField(help_text="Empty for a direct conversation (see title).")
    title = serializers.CharField(help_text="The name, or the other person's for a direct conversation.")
    topic = serializers.CharField()
    team = serializers.IntegerField(allow_null=True, help_text="The team (organisation entity) it follows.")
    workplace = serializers.IntegerField(allow_null=True, help_text="The workplace it follows.")
    legal_hold = serializers.BooleanField()
    archived_at = serializers.DateTimeField(allow_null=True)
    last_message_at = serializers.DateTimeField(allow_null=True)
    member = serializers.BooleanField(help_text="Whether I belong to it.")
    role = serializers.ChoiceField(choices=MemberRole.choices, allow_null=True, help_text="My role.")
    notify = serializers.ChoiceField(choices=NotifyLevel.choices, allow_null=True, help_text="My notifications.")
    muted_until = serializers.DateTimeField(allow_null=True, help_text="A moderator muted me until then.")
    last_read_id = serializers.IntegerField(allow_null=True)
    unread = serializers.IntegerField(help_text="Unread messages, counted up to 100.")
    unread_label = serializers.CharField(help_text='"", "1" … "99", or "99+".')

    def to_representation(self, instance: Any) -> dict[str, Any]:
        row = instance if isinstance(instance, ChannelRow) else ChannelRow(instance, None, instance.name, 0)
        channel, member = row.channel, row.member
        iso = serializers.DateTimeField().to_representation
        return {
            "id": channel.pk, "kind": channel.kind, "name": channel.name, "title": row.title, "topic": channel.topic,
            "team": channel.team_id, "workplace": channel.workplace_id, "legal_hold": channel.legal_hold,
            "archived_at": iso(channel.archived_at) if channel.archived_at else None,
            "last_message_at": iso(channel.last_message_at) if channel.last_message_at else None,
            "member": member is not None, "role": member.role if member else None,
            "notify": member.notify if member else None,
            "muted_until": iso(member.muted_until) if member and member.muted_until else None,
            "last_read_id": member.last_read_id if member else None, "unread": row.unread,
            "unread_label": unread_label(row.unread),
        }  # fmt: skip


class ChatChannelInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    kind = serializers.ChoiceField(
        choices=ChannelKind.choices,
        default=ChannelKind.PUBLIC,
        help_text="public or private (direct conversations are opened with POST direct/).",
    )
    topic = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")
    members = serializers.ListField(child=serializers.UUIDField(), required=False, default=list,
                                    help_text="People to add (user ids).")  # fmt: skip


class ChatChannelUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False)
    topic = serializers.CharField(max_length=250, required=False, allow_blank=True)
    legal_hold = serializers.BooleanField(required=False, help_text="Tenant admins only.")


class ChatArchiveSerializer(serializers.Serializer):
    archived = serializers.BooleanField(default=True)


class ChatDirectInputSerializer(serializers.Serializer):
    user = serializers.UUIDField(help_text="The person to talk to (a member of this organisation).")


class ChatMemberSerializer(serializers.Serializer):
    user = serializers.UUIDField()
    name = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=MemberRole.choices)
    source = serializers.ChoiceField(choices=MemberSource.choices, help_text="sync: from the team or workplace.")
    muted_until = serializers.DateTimeField(allow_null=True)
    joined_at = serializers.DateTimeField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        iso = serializers.DateTimeField().to_representation
        return {
            "user": str(instance.user_id), "name": instance.user.full_name or instance.user.email,
            "email": instance.user.email, "role": instance.role, "source": instance.source,
            "muted_until": iso(instance.muted_until) if instance.muted_until else None,
            "joined_at": iso(instance.joined_at),
        }  # fmt: skip


class ChatInviteSerializer(serializers.Serializer):
    users = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=200)


class ChatMemberUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=MemberRole.choices, required=False, help_text="Owners only.")
    muted_minutes = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=60 * 24 * 365,
        help_text="Moderators: no sending for that long (0 lifts it).",
    )
    notify = serializers.ChoiceField(choices=NotifyLevel.choices, required=False, help_text="Your own.")


class ChatMessageInputSerializer(serializers.Serializer):
    body = serializers.CharField(
        max_length=BODY_MAX + 1000,
        trim_whitespace=False,
        help_text=f"1 to {BODY_MAX:,} characters; @email or @name mentions a member.",
    )
    parent = serializers.IntegerField(required=False, allow_null=True, help_text="Reply in this message's thread.")
    client_id = serializers.UUIDField(required=False, allow_null=True,
                                      help_text="The app's id: a retry returns the first message (200).")  # fmt: skip
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                  help_text="Multipart: photos or documents, 10 MB each, 10 at most.")  # fmt: skip


class ChatMessageEditSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=BODY_MAX + 1000, trim_whitespace=False)


class ChatReactionInputSerializer(serializers.Serializer):
    emoji = serializers.CharField(max_length=64)


class ChatReadSerializer(serializers.Serializer):
    message = serializers.IntegerField(min_value=0, help_text="The last message read.")


class ChatReadResultSerializer(serializers.Serializer):
    channel = serializers.IntegerField()
    last_read_id = serializers.IntegerField()


class ChatRevisionSerializer(serializers.Serializer):
    body = serializers.CharField()
    edited_by = serializers.UUIDField(allow_null=True)
    edited_at = serializers.DateTimeField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return {"body": instance.body, "edited_by": str(instance.edited_by_id) if instance.edited_by_id else None,
                "edited_at": serializers.DateTimeField().to_representation(instance.edited_at)}  # fmt: skip


class ChatSearchHitSerializer(serializers.Serializer):
    message = ChatMessageSerializer()
    channel_title = serializers.CharField()
    highlight = serializers.CharField(help_text="The matching part, HTML-escaped, the matches in <mark>.")
    rank = serializers.FloatField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return {"message": message_data(instance.message), "channel_title": instance.channel_title,
                "highlight": instance.highlight, "rank": round(instance.rank, 6)}  # fmt: skip


class ChatSettingsSerializer(serializers.Serializer):
    retention_days = serializers.IntegerField(
        allow_null=True, min_value=1, max_value=36500, help_text="Delete messages older than this; null keeps them."
    )
    legal_hold = serializers.BooleanField(help_text="While on, retention deletes nothing.")


class ChatAnalyticsSerializer(serializers.Serializer):
    since = serializers.DateField()
    days = serializers.ListField(child=serializers.DictField(), help_text="[{day, people, messages}]")
    channels = serializers.ListField(child=serializers.DictField(), help_text="[{channel, days: {day: n}, total}]")
