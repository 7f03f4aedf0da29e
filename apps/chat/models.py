"""Chat (tenant schema): channels, their members, messages with threads, edits, reactions and attachments,
and the organisation's chat settings (retention, legal hold).

The rules that must never break are kept by the database:

- a channel's kind, a member's role and notification level are one of their choices (checks);
- a public or private channel has a name, unique among channels whatever the case; a direct conversation
  has no name, no team and no workplace, and its `direct_key` (the two people's ids, sorted) is unique, so
  there is one conversation per pair however often (or concurrently) it is opened;
- a team channel and a workplace channel exist at most once per team or workplace, never both at once;
- one membership per person and channel; one reaction per person, message and emoji;
- a message body is 1 to 4,000 characters; a reply is in its parent's channel (composite foreign key
  `(parent_id, channel_id) → (id, channel_id)`, SQL in the migration); a client id makes one message per
  author however often the app retries;
- a deleted message says by whom; retention and legal hold days are in range.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Lower
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual

from apps.audit.history import history_records

BODY_MAX = 4000
SEARCH_CONFIG = "english"


class ChannelKind(models.TextChoices):
    PUBLIC = "public", "Public"
    PRIVATE = "private", "Private"
    DIRECT = "direct", "Direct"


class MemberRole(models.TextChoices):
    OWNER = "owner", "Owner"
    MODERATOR = "moderator", "Moderator"
    MEMBER = "member", "Member"


class NotifyLevel(models.TextChoices):
    ALL = "all", "Every message"
    MENTIONS = "mentions", "Mentions only"
    NONE = "none", "Nothing"


class MemberSource(models.TextChoices):
    MANUAL = "manual", "Joined or invited"
    SYNC = "sync", "Kept in step with the team or workplace"


class Channel(models.Model):
    Kind = ChannelKind

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=10, choices=ChannelKind.choices)
    name = models.CharField(max_length=80, blank=True)
    topic = models.CharField(max_length=250, blank=True)
    direct_key = models.CharField(max_length=80, null=True, blank=True, editable=False,
                                  help_text="The two people's ids, sorted: one conversation per pair.")  # fmt: skip
    team = models.ForeignKey("organisation.Entity", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", help_text="Members kept in step with this team's people.")  # fmt: skip
    workplace = models.ForeignKey(
        "workplaces.Workplace",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Members kept in step with this workplace's people.",
    )
    legal_hold = models.BooleanField(default=False, help_text="Retention never deletes this channel's messages.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True, editable=False)
    archived_at = models.DateTimeField(null=True, blank=True)

    history = history_records(excluded_fields=["last_message_at"])

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ChannelKind.values), name="chat_channel_kind"),
            models.CheckConstraint(
                condition=Q(kind="direct", name="", direct_key__isnull=False, team__isnull=True, workplace__isnull=True)
                | (~Q(kind="direct") & ~Q(name="") & Q(direct_key__isnull=True)),
                name="chat_channel_direct_or_named",
            ),
            models.CheckConstraint(
                condition=Q(team__isnull=True) | Q(workplace__isnull=True), name="chat_channel_team_or_workplace"
            ),
            models.UniqueConstraint(
                Lower("name"),
                condition=~Q(kind="direct"),
                name="chat_channel_name_unique",
                violation_error_message="Another channel already has this name.",
                violation_error_code="name_taken",
            ),
            models.UniqueConstraint(fields=["direct_key"], name="chat_channel_direct_once"),
            models.UniqueConstraint(fields=["team"], condition=Q(team__isnull=False), name="chat_channel_team_once"),
            models.UniqueConstraint(
                fields=["workplace"], condition=Q(workplace__isnull=False), name="chat_channel_workplace_once"
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"Direct {self.pk}"

    @property
    def is_direct(self) -> bool:
        return self.kind == ChannelKind.DIRECT

    @property
    def is_synced(self) -> bool:
        return bool(self.team_id or self.workplace_id)


class ChannelMember(models.Model):
    Role = MemberRole

    id = models.BigAutoField(primary_key=True)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER)
    source = models.CharField(max_length=10, choices=MemberSource.choices, default=MemberSource.MANUAL)
    notify = models.CharField(max_length=10, choices=NotifyLevel.choices, default=NotifyLevel.MENTIONS)
    muted_until = models.DateTimeField(null=True, blank=True, help_text="A moderator's mute: no sending until then.")
    last_read_id = models.BigIntegerField(default=0, help_text="The last message read (an id of this channel).")
    joined_at = models.DateTimeField(auto_now_add=True)

    history = history_records(excluded_fields=["last_read_id"])

    class Meta:
        ordering = ["channel", "id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "user"], name="chat_member_once"),
            models.CheckConstraint(condition=Q(role__in=MemberRole.values), name="chat_member_role"),
            models.CheckConstraint(condition=Q(source__in=MemberSource.values), name="chat_member_source"),
            models.CheckConstraint(condition=Q(notify__in=NotifyLevel.values), name="chat_member_notify"),
            models.CheckConstraint(condition=Q(last_read_id__gte=0), name="chat_member_last_read"),
        ]
        indexes = [models.Index(fields=["user", "channel"], name="chat_member_user")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.channel_id}"

    @property
    def is_moderator(self) -> bool:
        return self.role in (MemberRole.OWNER, MemberRole.MODERATOR)


class Message(models.Model):
    id = models.BigAutoField(primary_key=True)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", help_text="Empty when an integration posted it.")  # fmt: skip
    body = models.TextField()
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies",
                               help_text="The thread's first message (one level of threads).")  # fmt: skip
    client_id = models.UUIDField(null=True, blank=True, help_text="The sending app's id: a retry is the same message.")
    mentions = ArrayField(models.UUIDField(), default=list, blank=True, help_text="The people @mentioned.")
    reply_count = models.PositiveIntegerField(default=0, editable=False)
    last_reply_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip
    search = models.GeneratedField(
        expression=SearchVector("body", config=SEARCH_CONFIG), output_field=SearchVectorField(), db_persist=True
    )

    class Meta:
        ordering = ["channel", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(GreaterThanOrEqual(Length("body"), 1)) & Q(LessThanOrEqual(Length("body"), BODY_MAX)),
                name="chat_message_body_length",
            ),
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True) | Q(deleted_by__isnull=False) | Q(author__isnull=True),
                name="chat_message_deleted_by",
            ),
            models.UniqueConstraint(
                fields=["author", "client_id"], condition=Q(client_id__isnull=False), name="chat_message_client_id_once"
            ),
            # The target of the composite foreign key that keeps a reply in its parent's channel.
            models.UniqueConstraint(fields=["id", "channel"], name="chat_message_id_channel"),
        ]
        indexes = [
            models.Index(fields=["channel", "id"], name="chat_message_channel_id"),
            models.Index(fields=["parent", "id"], name="chat_message_thread", condition=Q(parent__isnull=False)),
            GinIndex(fields=["search"], name="chat_message_search"),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}#{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class MessageRevision(models.Model):
    """A message's earlier text, kept when it is edited (moderators read them)."""

    id = models.BigAutoField(primary_key=True)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")  # fmt: skip
    edited_at = models.DateTimeField()

    class Meta:
        ordering = ["message", "id"]

    def __str__(self) -> str:
        return f"{self.message_id} before {self.edited_at:%Y-%m-%d %H:%M}"


class Reaction(models.Model):
    id = models.BigAutoField(primary_key=True)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["message", "id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "user", "emoji"], name="chat_reaction_once"),
            models.CheckConstraint(condition=~Q(emoji=""), name="chat_reaction_emoji"),
        ]

    def __str__(self) -> str:
        return f"{self.emoji} on {self.message_id}"


def attachment_path(instance: "MessageAttachment", filename: str) -> str:
    """Stored through Django's storage API (object storage in production), per schema and channel."""
    from django.db import connection

    schema = getattr(connection, "schema_name", "public")
    return f"chat/{schema}/{instance.message.channel_id}/{filename}"


class MessageAttachment(models.Model):
    id = models.BigAutoField(primary_key=True)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["message", "id"]
        constraints = [models.CheckConstraint(condition=Q(size__gt=0), name="chat_attachment_not_empty")]

    def __str__(self) -> str:
        return self.name


class ChatSettings(models.Model):
    """The organisation's chat rules (one row per tenant schema; defaults when it has none)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    retention_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Messages older than this are deleted (empty: kept for ever)."
    )
    legal_hold = models.BooleanField(default=False, help_text="Nothing is deleted by retention while on hold.")
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        verbose_name_plural = "chat settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="chat_settings_single"),
            models.CheckConstraint(
                condition=Q(retention_days__isnull=True) | Q(retention_days__gte=1, retention_days__lte=36500),
                name="chat_settings_retention_range",
            ),
        ]

    def __str__(self) -> str:
        return "Chat settings"
