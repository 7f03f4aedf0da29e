"""Writes of chat. Refusals are `ValidationError`s whose `code` names the rule:

`name_required`, `name_taken`, `invalid_kind`, `channel_archived`, `not_a_member`, `private_channel`,
`direct_channel`, `direct_self`, `unknown_person`, `moderator_required`, `owner_required`, `last_owner`,
`synced_member`, `muted`, `body_required`, `body_too_long`, `unknown_parent`, `thread_depth`,
`not_author`, `message_deleted`, `invalid_emoji`, `invalid_settings`, `attachment_empty`,
`attachment_too_large`, `attachment_type`, `too_many_attachments`.

Tenant admins moderate every channel they belong to. Every change reaches the channel's open sockets after
commit (live.py); channel and membership changes keep history, a message keeps its earlier texts.
"""

import datetime
import re
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.accounts.models import Membership
from apps.accounts.selectors import tenant_admins
from apps.core.actors import acting_person
from apps.core.errors import refused
from apps.core.events import publish
from apps.core.uploads import ALL_TYPES, MB, upload_check
from apps.tenancy.context import connection_tenant
from apps.webhooks.services import subscribed_endpoints

from . import live, sync
from .models import (
    BODY_MAX,
    Channel,
    ChannelKind,
    ChannelMember,
    ChatSettings,
    MemberRole,
    MemberSource,
    Message,
    MessageAttachment,
    MessageRevision,
    NotifyLevel,
    Reaction,
)
from .payloads import channel_payload, member_payload, message_event_payload
from .selectors import mention_keys
from .serialize import message_data

ATTACHMENT_MAX_BYTES = 10 * MB
ATTACHMENTS_PER_MESSAGE = 10
EMOJI_MAX = 32
NAME_PATTERN = re.compile(r"^[\w][\w .&'()/-]{0,79}$")
KEEP = object()  # member_update: leave the mute as it is
MENTION = re.compile(r"(?<![\w@])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")


def _tenant_active_members(user_ids: Iterable[Any]) -> set[Any]:
    schema = getattr(connection, "schema_name", "")
    return set(
        Membership.objects.filter(user_id__in=list(user_ids), tenant__schema_name=schema,
                                  status=Membership.Status.ACTIVE).values_list("user_id", flat=True)
    )  # fmt: skip


def is_tenant_admin(user: Any) -> bool:
    person = acting_person(user)
    return person is not None and tenant_admins().filter(user_id=person.pk).exists()


def membership_of(channel: Channel, user: Any) -> ChannelMember | None:
    person = acting_person(user)
    return None if person is None else ChannelMember.objects.filter(channel=channel, user=person).first()


def _member_require(channel: Channel, user: Any) -> ChannelMember:
    member = membership_of(channel, user)
    if member is None:
        raise refused("You are not a member of this channel.", code="not_a_member")
    return member


def _open_require(channel: Channel) -> None:
    if channel.archived_at is not None:
        raise refused("This channel is archived.", code="channel_archived")


def may_moderate(channel: Channel, user: Any, member: ChannelMember | None = None) -> bool:
    if getattr(user, "is_service_principal", False):
        return False
    member = member if member is not None else membership_of(channel, user)
    return (member is not None and member.is_moderator) or is_tenant_admin(user)


def _moderator_require(channel: Channel, user: Any) -> None:
    if not may_moderate(channel, user):
        raise refused("Only the channel's owners and moderators may do this.", code="moderator_required")


def _save(obj: Any, acting_user: Any, reason: str = "") -> None:
    obj._history_user = acting_person(acting_user)
    obj._change_reason = reason[:100] or None
    obj.save()


def _tenant() -> Any:
    return connection_tenant()


# --- Settings --------------------------------------------------------------------------------------


def settings_get() -> ChatSettings:
    """This organisation's chat rules (the defaults, unsaved, when it never changed them)."""
    return ChatSettings.objects.filter(pk=1).first() or ChatSettings()


@transaction.atomic
def settings_save(*, acting_user: Any, retention_days: int | None, legal_hold: bool) -> ChatSettings:
    current = ChatSettings.objects.select_for_update().filter(pk=1).first() or ChatSettings()
    if retention_days is not None and not 1 <= retention_days <= 36500:
        raise refused("Keep messages 1 to 36,500 days, or leave it empty to keep them for ever.",
                      code="invalid_settings", field="retention_days")  # fmt: skip
    current.retention_days, current.legal_hold = retention_days, legal_hold
    _save(current, acting_user, "Chat settings")
    return current


# --- Channels --------------------------------------------------------------------------------------


def _name_check(name: str, *, exclude: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise refused("Name the channel.", code="name_required", field="name")
    if not NAME_PATTERN.match(name):
        raise refused("A channel name is 1 to 80 letters, digits, spaces or - _ . & ' ( ) /.",
                      code="name_required", field="name")  # fmt: skip
    taken = Channel.objects.exclude(kind=ChannelKind.DIRECT).filter(name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise refused("Another channel already has this name.", code="name_taken", field="name")
    return name


def _members_add(channel: Channel, users: Iterable[Any], *, role: str = MemberRole.MEMBER,
                 source: str = MemberSource.MANUAL, acting_user: Any = None) -> list[ChannelMember]:  # fmt: skip
    wanted = {user.pk: user for user in users if acting_person(user) is not None}
    active = _tenant_active_members(wanted)
    unknown = set(wanted) - active
    if unknown:
        raise refused("That person is not a member of this organisation.", code="unknown_person", field="members")
    already = set(ChannelMember.objects.filter(channel=channel, user_id__in=wanted).values_list("user_id", flat=True))
    added = []
    notify = NotifyLevel.ALL if channel.is_direct else NotifyLevel.MENTIONS
    for pk in sorted(set(wanted) - already, key=str):
        member = ChannelMember(channel=channel, user=wanted[pk], role=role, source=source, notify=notify,
                               last_read_id=_latest_id(channel))  # fmt: skip
        _save(member, acting_user, "Joined")
        added.append(member)
    if added:
        live.join([m.user_id for m in added], channel.pk)
        for member in added:
            live.emit(channel.pk, "member.joined", user=str(member.user_id), role=member.role)
        if not channel.is_direct:
            for member in added:
                publish("chat.member_joined", member_payload(channel, member.user_id), tenant=_tenant())
    return added


def _latest_id(channel: Channel) -> int:
    return Message.objects.filter(channel=channel).order_by("-id").values_list("id", flat=True).first() or 0


@transaction.atomic
def channel_create(
    *, name: str, kind: str = ChannelKind.PUBLIC, topic: str = "", members: Sequence[Any] = (), acting_user: Any,
    team: Any = None, workplace: Any = None,
) -> Channel:  # fmt: skip
    """A public or private channel; the creator is its owner (an API key's channel has no owner until an
    admin names one), the people in `members` join it."""
    if kind not in (ChannelKind.PUBLIC, ChannelKind.PRIVATE):
        raise refused("A channel is public or private (direct conversations are opened with a person).",
                      code="invalid_kind", field="kind")  # fmt: skip
    channel = Channel(kind=kind, name=_name_check(name), topic=(topic or "").strip()[:250], team=team,
                      workplace=workplace, created_by=acting_person(acting_user))  # fmt: skip
    try:
        with transaction.atomic():
            _save(channel, acting_user, "Created")
    except IntegrityError as exc:  # a concurrent creation with the same name won
        raise refused("Another channel already has this name.", code="name_taken", field="name") from exc
    creator = acting_person(acting_user)
    if creator is not None:
        _members_add(channel, [creator], role=MemberRole.OWNER, acting_user=acting_user)
    _members_add(channel, [m for m in members if creator is None or m.pk != creator.pk], acting_user=acting_user)
    publish("chat.channel_created", channel_payload(channel), tenant=_tenant())
    return channel


@transaction.atomic
def channel_update(*, channel: Channel, acting_user: Any, name: str | None = None, topic: str | None = None,
                   legal_hold: bool | None = None) -> Channel:  # fmt: skip
    """Rename, change the topic (moderators) or put the channel under legal hold (tenant admins)."""
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    if channel.is_direct:
        raise refused("A direct conversation has no settings.", code="direct_channel")
    if legal_hold is not None and legal_hold != channel.legal_hold:
        if not is_tenant_admin(acting_user) and not getattr(acting_user, "is_service_principal", False):
            raise refused("Only the organisation's administrators set a legal hold.", code="moderator_required")
        channel.legal_hold = legal_hold
    if name is not None or topic is not None:
        _moderator_require(channel, acting_user)
        if name is not None:
            channel.name = _name_check(name, exclude=channel.pk)
        if topic is not None:
            channel.topic = topic.strip()[:250]
    _save(channel, acting_user, "Updated")
    live.emit(channel.pk, "channel.updated", channel=channel_payload(channel))
    return channel


@transaction.atomic
def channel_archive(*, channel: Channel, acting_user: Any, archived: bool = True) -> Channel:
    """Archive (read-only, kept) or bring back: the owners or a tenant admin."""
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    member = membership_of(channel, acting_user)
    if not ((member is not None and member.role == MemberRole.OWNER) or is_tenant_admin(acting_user)):
        raise refused("Only the channel's owners or an administrator archive it.", code="owner_required")
    channel.archived_at = timezone.now() if archived else None
    _save(channel, acting_user, "Archived" if archived else "Unarchived")
    live.emit(channel.pk, "channel.updated", channel=channel_payload(channel))
    return channel


def direct_key(first: Any, second: Any) -> str:
    return ":".join(sorted((str(first), str(second))))


def direct_open(*, user: Any, other: Any) -> tuple[Channel, bool]:
    """The one direct conversation of two people, `(channel, created)`; opening it again (or twice at the
    same instant) finds the same one."""
    if acting_person(user) is None:
        raise refused("Only people have direct conversations.", code="direct_channel")
    if other is None or other.pk == user.pk:
        raise refused("Choose someone else to talk to.", code="direct_self", field="user")
    key = direct_key(user.pk, other.pk)
    found = Channel.objects.filter(direct_key=key).first()
    if found is not None:
        return found, False
    try:
        return _direct_create(user=user, other=other, key=key), True
    except IntegrityError:
        return Channel.objects.get(direct_key=key), False


@transaction.atomic
def _direct_create(*, user: Any, other: Any, key: str) -> Channel:
    channel = Channel(kind=ChannelKind.DIRECT, direct_key=key, created_by=user)
    _save(channel, user, "Opened")
    _members_add(channel, [user, other], role=MemberRole.OWNER, acting_user=user)
    return channel


# --- Members ---------------------------------------------------------------------------------------


@transaction.atomic
def channel_join(*, channel: Channel, user: Any) -> ChannelMember:
    """Anyone with chat joins a public channel; private ones are by invitation."""
    _open_require(channel)
    if channel.kind != ChannelKind.PUBLIC:
        raise refused("This channel is private: ask one of its members to add you.", code="private_channel")
    existing = membership_of(channel, user)
    return existing or _members_add(channel, [user], acting_user=user)[0]


@transaction.atomic
def members_invite(*, channel: Channel, users: Sequence[Any], acting_user: Any) -> list[ChannelMember]:
    """Add people: any member of a public channel, the moderators of a private one."""
    _open_require(channel)
    if channel.is_direct:
        raise refused("A direct conversation is for two people.", code="direct_channel")
    if channel.kind == ChannelKind.PRIVATE:
        _moderator_require(channel, acting_user)
    elif not getattr(acting_user, "is_service_principal", False):
        _member_require(channel, acting_user)
    return _members_add(channel, users, acting_user=acting_user)


def _member_drop(member: ChannelMember, acting_user: Any, reason: str) -> None:
    channel = member.channel
    if member.role == MemberRole.OWNER and not channel.is_direct:
        owners = ChannelMember.objects.filter(channel=channel, role=MemberRole.OWNER).exclude(pk=member.pk)
        if not owners.exists() and channel.members.exclude(pk=member.pk).exists():
            raise refused("Name another owner before the last one leaves.", code="last_owner")
    member._history_user = acting_person(acting_user)  # type: ignore[attr-defined]
    member._change_reason = reason  # type: ignore[attr-defined]
    user_id = member.user_id
    member.delete()
    live.join([user_id], channel.pk, leave=True)
    live.emit(channel.pk, "member.left", user=str(user_id))
    publish("chat.member_left", member_payload(channel, user_id, reason=reason), tenant=_tenant())


@transaction.atomic
def channel_leave(*, channel: Channel, user: Any) -> None:
    member = _member_require(channel, user)
    if channel.is_direct:
        raise refused("A direct conversation cannot be left; mute it instead.", code="direct_channel")
    if member.source == MemberSource.SYNC:
        raise refused("You are in this channel through your team or workplace.", code="synced_member")
    _member_drop(member, user, "Left")


@transaction.atomic
def member_remove(*, channel: Channel, user: Any, acting_user: Any) -> None:
    _moderator_require(channel, acting_user)
    member = _member_require(channel, user)
    if channel.is_direct:
        raise refused("A direct conversation is for two people.", code="direct_channel")
    _member_drop(member, acting_user, "Removed")


@transaction.atomic
def member_update(
    *, channel: Channel, user: Any, acting_user: Any, role: str | None = None, notify: str | None = None,
    muted_until: Any = KEEP,
) -> ChannelMember:  # fmt: skip
    """A member's role (owners or tenant admins), mute (moderators) or own notification level."""
    member = (
        ChannelMember.objects.select_for_update().select_related("channel").get(pk=_member_require(channel, user).pk)
    )
    if role is not None and role != member.role:
        actor = membership_of(channel, acting_user)
        if channel.is_direct or not ((actor and actor.role == MemberRole.OWNER) or is_tenant_admin(acting_user)):
            raise refused("Only the channel's owners change roles.", code="owner_required")
        if role not in MemberRole.values:
            raise refused(f"A role is one of {', '.join(MemberRole.values)}.", code="invalid_role", field="role")
        member.role = role
    if muted_until is not KEEP:
        _moderator_require(channel, acting_user)
        member.muted_until = muted_until or None
    if notify is not None:
        if acting_person(acting_user) is None or acting_user.pk != member.user_id:
            raise refused("People choose their own notifications.", code="not_a_member")
        if notify not in NotifyLevel.values:
            raise refused(f"Notify is one of {', '.join(NotifyLevel.values)}.", code="invalid_notify", field="notify")
        member.notify = notify
    _save(member, acting_user, "Member updated")
    live.emit(channel.pk, "member.updated", user=str(member.user_id), role=member.role,
              muted_until=member.muted_until.isoformat() if member.muted_until else None)  # fmt: skip
    return member


def member_mute(*, channel: Channel, user: Any, minutes: int, acting_user: Any) -> ChannelMember:
    """Moderation: no sending for `minutes` (0 lifts the mute)."""
    until = timezone.now() + datetime.timedelta(minutes=minutes) if minutes > 0 else None
    return member_update(channel=channel, user=user, acting_user=acting_user, muted_until=until)


# --- Messages --------------------------------------------------------------------------------------


def _body_check(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise refused("Write a message.", code="body_required", field="body")
    if len(body) > BODY_MAX:
        raise refused(f"A message is at most {BODY_MAX:,} characters ({len(body):,} given).",
                      code="body_too_long", field="body")  # fmt: skip
    return body


def _send_check(channel: Channel, author: Any, *, now: datetime.datetime) -> ChannelMember | None:
    _open_require(channel)
    if getattr(author, "is_service_principal", False):
        if channel.kind != ChannelKind.PUBLIC:
            raise refused("An integration posts to public channels only.", code="private_channel")
        return None
    member = _member_require(channel, author)
    if member.muted_until is not None and member.muted_until > now:
        raise refused(f"A moderator muted you in this channel until {member.muted_until:%Y-%m-%d %H:%M} UTC.",
                      code="muted")  # fmt: skip
    return member


def mentions_find(body: str, channel: Channel) -> list[uuid.UUID]:
    """The channel's members named in the body: `@email`, `@` and the email's first part, `@` and the full
    name without spaces (`@SamSeller`) or the first name when only one member has it."""
    tokens = {token.rstrip(".").lower() for token in MENTION.findall(body)}
    if not tokens:
        return []
    keys = mention_keys(channel)
    found = {next(iter(keys[t])) for t in tokens if t in keys and len(keys[t]) == 1}
    return sorted(found, key=str)


def _notify(message: Message, member_rows: list[tuple[Any, str]]) -> None:
    """Mentions and the messages people asked to hear about, through the notifications engine (the `chat`
    category: each person's channels, quiet hours and digests apply). Nobody hears of their own message."""
    author = message.author_id
    levels = dict(member_rows)
    mentioned = [pk for pk in message.mentions if pk != author and levels.get(pk) not in (None, NotifyLevel.NONE)]
    others = [pk for pk, level in member_rows if pk != author and level == NotifyLevel.ALL and pk not in mentioned]
    payload = message_event_payload(message)
    if mentioned:
        publish("chat.mentioned", {**payload, "event_id": f"chat-mention-{message.pk}",
                                   "recipients": [str(pk) for pk in mentioned]}, tenant=_tenant())  # fmt: skip
    if others:
        publish(
            "chat.messaged",
            {
                **payload,
                "event_id": f"chat-messaged-{message.pk}",
                "recipients": [str(pk) for pk in sorted(others, key=str)],
            },
            tenant=_tenant(),
        )


def _parent_check(channel: Channel, parent: Any) -> Message | None:
    if parent is None:
        return None
    found = parent if isinstance(parent, Message) else Message.objects.filter(pk=parent).first()
    if found is None or found.channel_id != channel.pk or found.deleted_at is not None:
        raise refused("No such message in this channel to reply to.", code="unknown_parent", field="parent")
    if found.parent_id is not None:
        raise refused("Reply in the thread's first message (threads are one level).", code="thread_depth",
                      field="parent")  # fmt: skip
    return found


def _existing(author: Any, client_id: uuid.UUID | None) -> Message | None:
    if client_id is None:
        return None
    return (
        Message.objects.select_related("author", "channel")
        .filter(author=acting_person(author), client_id=client_id)
        .first()
    )


def message_send(
    *,
    channel: Channel,
    author: Any,
    body: str,
    parent: Any = None,
    client_id: uuid.UUID | None = None,
    files: Sequence[Any] = (),
) -> tuple[Message, bool]:
    """Post a message (with files, all or nothing); `(message, created)`. A retry with the same `client_id`
    returns the first message, also when two retries race."""
    existing = _existing(author, client_id)
    if existing is not None:
        return existing, False
    try:
        return _send(channel=channel, author=author, body=body, parent=parent, client_id=client_id, files=files), True
    except IntegrityError:
        again = _existing(author, client_id)
        if again is None:
            raise
        return again, False


@transaction.atomic
def _send(*, channel: Channel, author: Any, body: str, parent: Any, client_id: Any, files: Sequence[Any]) -> Message:
    now = timezone.now()
    body = _body_check(body)
    _send_check(channel, author, now=now)
    thread = _parent_check(channel, parent)
    if len(files) > ATTACHMENTS_PER_MESSAGE:
        raise refused(f"A message carries at most {ATTACHMENTS_PER_MESSAGE} files.", code="too_many_attachments",
                      field="files")  # fmt: skip
    types = [upload_check(f, accept=ALL_TYPES, max_bytes=ATTACHMENT_MAX_BYTES, field="files") for f in files]
    message = Message.objects.create(channel=channel, author=acting_person(author), body=body, parent=thread,
                                     client_id=client_id, mentions=mentions_find(body, channel))  # fmt: skip
    for upload, content_type in zip(files, types, strict=True):
        MessageAttachment.objects.create(
            message=message,
            file=upload,
            name=str(upload.name)[:200],
            content_type=content_type,
            size=upload.size,
            uploaded_by=acting_person(author),
        )
    if thread is not None:
        Message.objects.filter(pk=thread.pk).update(reply_count=F("reply_count") + 1, last_reply_at=now)
    Channel.objects.filter(pk=channel.pk).update(last_message_at=now)
    sender = acting_person(author)
    if sender is not None:
        ChannelMember.objects.filter(channel=channel, user=sender, last_read_id__lt=message.pk).update(
            last_read_id=message.pk
        )
    message.channel = channel
    live.emit(channel.pk, "message.created", message=message_data(message))
    rows = list(ChannelMember.objects.filter(channel=channel).values_list("user_id", "notify"))
    _notify(message, rows)
    _webhook(message)
    return message


def _webhook(message: Message) -> None:
    """`chat.message_posted` only when an endpoint listens (no event row per message otherwise), and never
    for a direct conversation."""
    tenant = _tenant()
    if message.channel.is_direct or not subscribed_endpoints(tenant=tenant, event_type="chat.message_posted"):
        return
    publish("chat.message_posted", message_event_payload(message), tenant=tenant)


def _own_or_moderated(message: Message, acting_user: Any, *, moderators: bool) -> bool:
    person = acting_person(acting_user)
    if person is not None and message.author_id == person.pk:
        return False
    if moderators and may_moderate(message.channel, acting_user):
        return True
    raise refused("Only the author may do this.", code="not_author")


@transaction.atomic
def message_edit(*, message: Message, body: str, acting_user: Any) -> Message:
    """The author edits; the earlier text is kept as a revision (moderators read them)."""
    message = Message.objects.select_for_update(of=("self",)).select_related("channel", "author").get(pk=message.pk)
    _own_or_moderated(message, acting_user, moderators=False)
    if message.deleted_at is not None:
        raise refused("This message was deleted.", code="message_deleted")
    _open_require(message.channel)
    body = _body_check(body)
    if body == message.body:
        return message
    now = timezone.now()
    MessageRevision.objects.create(
        message=message, body=message.body, edited_by=acting_person(acting_user), edited_at=now
    )
    message.body, message.edited_at = body, now
    message.mentions = mentions_find(body, message.channel)
    message.save(update_fields=["body", "edited_at", "mentions"])
    live.emit(message.channel_id, "message.edited", message=message_data(message))
    return message


@transaction.atomic
def message_delete(*, message: Message, acting_user: Any) -> Message:
    """Soft delete: the body is hidden to members (kept for moderators with its revisions until retention).
    The author, or a moderator for anyone's."""
    message = Message.objects.select_for_update(of=("self",)).select_related("channel", "author").get(pk=message.pk)
    if message.deleted_at is not None:
        return message
    _own_or_moderated(message, acting_user, moderators=True)
    message.deleted_at, message.deleted_by = timezone.now(), acting_person(acting_user)
    message.save(update_fields=["deleted_at", "deleted_by"])
    live.emit(message.channel_id, "message.deleted", message=message_data(message))
    return message


@transaction.atomic
def reaction_set(*, message: Message, user: Any, emoji: str, on: bool = True) -> bool:
    """Add (or take back) a reaction; whether anything changed."""
    emoji = (emoji or "").strip()
    if not emoji or len(emoji) > EMOJI_MAX or any(ch.isspace() for ch in emoji):
        raise refused("Choose one emoji.", code="invalid_emoji", field="emoji")
    channel = message.channel
    _open_require(channel)
    _member_require(channel, user)
    if message.deleted_at is not None:
        raise refused("This message was deleted.", code="message_deleted")
    if on:
        _, changed = Reaction.objects.get_or_create(message=message, user=user, emoji=emoji)
    else:
        changed = Reaction.objects.filter(message=message, user=user, emoji=emoji).delete()[0] > 0
    if changed:
        live.emit(channel.pk, "reaction.changed", message_id=message.pk, emoji=emoji, user=str(user.pk), on=on)
    return bool(changed)


def read_move(*, channel: Channel, user: Any, message_id: int) -> int:
    """Move my read position forward to `message_id` (never back); the position now."""
    member = _member_require(channel, user)
    latest = Message.objects.filter(channel=channel, pk__lte=message_id).order_by("-id").values_list("id", flat=True)
    target = latest.first() or 0
    moved = ChannelMember.objects.filter(pk=member.pk, last_read_id__lt=target).update(last_read_id=target)
    if moved:
        live.emit(channel.pk, "read.moved", user=str(user.pk), message_id=target)
    return max(target, member.last_read_id)


def typing(*, channel: Channel, user: Any) -> None:
    _member_require(channel, user)
    live.emit_now(channel.pk, "typing", user=str(user.pk), name=user.full_name or user.email)


# --- Retention -------------------------------------------------------------------------------------


def retention_sweep(*, now: datetime.datetime, batch: int = 5000, max_batches: int = 200) -> int:
    """Delete messages older than the organisation's retention days, in batches (each its own short
    transaction), except under the tenant's legal hold or in a channel under hold. How many were deleted."""
    rules = settings_get()
    if rules.retention_days is None or rules.legal_hold:
        return 0
    cutoff = now - datetime.timedelta(days=rules.retention_days)
    held = Channel.objects.filter(legal_hold=True).values("pk")
    deleted = 0
    for _ in range(max_batches):
        with transaction.atomic():
            # A thread goes when its last reply is old too (its replies with it); a live thread is kept whole.
            ids = list(
                Message.objects.filter(created_at__lt=cutoff, parent__isnull=True).exclude(channel__in=held)
                .filter(Q(last_reply_at__isnull=True) | Q(last_reply_at__lt=cutoff))
                .order_by("id").values_list("id", flat=True)[:batch]
            )  # fmt: skip
            if not ids:
                break
            deleted += Message.objects.filter(pk__in=ids).delete()[1].get("chat.Message", 0)
    return deleted


# --- Team and workplace channels ---------------------------------------------------------------------


def synced_channel_create(*, acting_user: Any, team: Any = None, workplace: Any = None, name: str = "") -> Channel:
    """A private channel whose people are a team's (or a workplace's), kept in step by sync.py; the
    creator owns it. Refused when the team or workplace already has its channel."""
    if (team is None) == (workplace is None):
        raise refused("Choose a team or a workplace.", code="invalid_kind", field="team")
    existing = Channel.objects.filter(team=team) if team is not None else Channel.objects.filter(workplace=workplace)
    if existing.exists():
        raise refused("It already has its channel.", code="name_taken", field="team" if team else "workplace")
    with transaction.atomic():
        channel = channel_create(name=name or (team or workplace).name, kind=ChannelKind.PRIVATE, team=team,
                                 workplace=workplace, acting_user=acting_user)  # fmt: skip
        sync.channels_reconcile([channel.pk])
    return channel
