"""Reads of chat: my channels with unread counts, history pages by keyset, threads, search, analytics.

None of them counts a whole table: unread counts stop at UNREAD_CAP ("99+"), history pages walk the
(channel, id) index from an id, search reads the GIN index of the messages' tsvector.
"""

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.html import escape

from apps.accounts.models import Membership, User

from .models import SEARCH_CONFIG, Channel, ChannelKind, ChannelMember, Message, Reaction
from .payloads import person_name

UNREAD_CAP = 100  # shown as "99+"
PAGE = 50
PAGE_MAX = 200
SEARCH_LIMIT = 50
MARK_START, MARK_STOP = "\x02", "\x03"  # replaced by <mark> after escaping the body


def unread_label(count: int) -> str:
    return "99+" if count >= UNREAD_CAP else str(count) if count else ""


def unread_counts(user: Any, channel_ids: list[int] | None = None) -> dict[int, int]:
    """{channel id: unread top-level messages by others after my read position}, each counted up to
    UNREAD_CAP only (one query; each count is a bounded walk of the (channel, id) index)."""
    where = "AND m.channel_id = ANY(%s)" if channel_ids is not None else ""
    sql = f"""
        SELECT m.channel_id, (
            SELECT count(*) FROM (
                SELECT 1 FROM chat_message x
                WHERE x.channel_id = m.channel_id AND x.id > m.last_read_id AND x.parent_id IS NULL
                  AND x.deleted_at IS NULL AND x.author_id IS DISTINCT FROM m.user_id
                LIMIT {UNREAD_CAP}
            ) bounded
        )
        FROM chat_channelmember m WHERE m.user_id = %s {where}
    """
    params: list[Any] = [user.pk] + ([channel_ids] if channel_ids is not None else [])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {channel_id: count for channel_id, count in cursor.fetchall()}


@dataclass
class ChannelRow:
    channel: Channel
    member: ChannelMember | None
    title: str
    unread: int
    other: Any = None  # the other person of a direct conversation

    @property
    def unread_label(self) -> str:
        return unread_label(self.unread)


def direct_others(user: Any, channel_ids: list[int]) -> dict[int, Any]:
    if not channel_ids:
        return {}
    rows = ChannelMember.objects.filter(channel_id__in=channel_ids).exclude(user=user).select_related("user")
    return {row.channel_id: row.user for row in rows}


def my_channels(user: Any, *, archived: bool = False) -> list[ChannelRow]:
    """The channels I belong to, most recent activity first, with unread counts (three queries)."""
    members = list(
        ChannelMember.objects.filter(user=user, channel__archived_at__isnull=not archived)
        .select_related("channel")
        .order_by(F("channel__last_message_at").desc(nulls_last=True), "channel_id")
    )
    ids = [m.channel_id for m in members]
    counts = unread_counts(user, ids) if ids else {}
    others = direct_others(user, [m.channel_id for m in members if m.channel.is_direct])
    rows = []
    for member in members:
        other = others.get(member.channel_id)
        title = person_name(other) if member.channel.is_direct else member.channel.name
        rows.append(ChannelRow(member.channel, member, title, counts.get(member.channel_id, 0), other))
    return rows


def channels_to_join(user: Any, *, q: str = "") -> QuerySet[Channel]:
    """Public channels I am not in."""
    rows = Channel.objects.filter(kind=ChannelKind.PUBLIC, archived_at__isnull=True).exclude(
        pk__in=ChannelMember.objects.filter(user=user).values("channel_id")
    )
    return rows.filter(name__icontains=q) if q else rows


def with_details(rows: QuerySet[Message]) -> QuerySet[Message]:
    return rows.select_related("author").prefetch_related(
        Prefetch("reactions", queryset=Reaction.objects.order_by("id")), "attachments"
    )


def history(
    channel: Channel, *, before: int | None = None, after: int | None = None, limit: int = PAGE
) -> tuple[list[Message], bool]:
    """One page of a channel's main history (thread replies are in their thread), oldest first, and whether
    there is more in the direction read: the latest `limit`, those before an id (scrolling up) or after one
    (catching up). One indexed range read of `limit + 1` rows on (channel, id)."""
    limit = max(1, min(limit, PAGE_MAX))
    rows = Message.objects.filter(channel=channel, parent__isnull=True)
    if after is not None:
        page = list(with_details(rows.filter(pk__gt=after).order_by("id"))[: limit + 1])
        return page[:limit], len(page) > limit
    if before is not None:
        rows = rows.filter(pk__lt=before)
    page = list(with_details(rows.order_by("-id"))[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    page.reverse()
    return page, more


def thread(parent: Message, *, after: int | None = None, limit: int = PAGE_MAX) -> list[Message]:
    rows = Message.objects.filter(parent=parent)
    if after is not None:
        rows = rows.filter(pk__gt=after)
    return list(with_details(rows.order_by("id"))[: max(1, min(limit, PAGE_MAX))])


@dataclass
class SearchHit:
    message: Message
    channel_title: str
    highlight: str  # safe HTML: the body escaped, the matches in <mark>
    rank: float


def _highlight(text: str) -> str:
    return escape(text).replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")


def search(user: Any, q: str, *, channel: Channel | None = None, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
    """Full-text search (web search syntax: words, "a phrase", -not, or) over the channels I belong to,
    best first, with the matches highlighted. Deleted messages never match."""
    q = (q or "").strip()[:200]
    if not q:
        return []
    query = SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch")
    mine = ChannelMember.objects.filter(user=user).values("channel_id")
    rows = Message.objects.filter(channel__in=mine, deleted_at__isnull=True, search=query)
    if channel is not None:
        rows = rows.filter(channel=channel)
    rows = (
        rows.annotate(
            rank=SearchRank(F("search"), query),
            headline=SearchHeadline(
                "body", query, config=SEARCH_CONFIG, start_sel=MARK_START, stop_sel=MARK_STOP, max_fragments=2
            ),
        )
        .select_related("author", "channel")
        .order_by("-rank", "-id")[: max(1, min(limit, SEARCH_LIMIT))]
    )
    found = list(rows)
    others = direct_others(user, [m.channel_id for m in found if m.channel.is_direct])
    return [
        SearchHit(m, person_name(others.get(m.channel_id)) if m.channel.is_direct else m.channel.name,
                  _highlight(m.headline), float(m.rank))  # type: ignore[attr-defined]
        for m in found
    ]  # fmt: skip


def analytics(*, days: int = 30, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Messages per channel per day and active people per day over the last `days` (two aggregate queries
    on the created_at index); direct conversations are counted together, never named."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=days)
    recent = Message.objects.filter(created_at__gte=since)
    per_channel = (
        recent.annotate(day=TruncDate("created_at"))
        .values("day", "channel_id", "channel__name", "channel__kind")
        .annotate(messages=Count("id"))
        .order_by("day", "channel__name")
    )
    per_day = (
        recent.filter(author__isnull=False)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(people=Count("author_id", distinct=True), messages=Count("id"))
        .order_by("day")
    )
    channels: dict[str, dict[str, int]] = {}
    for row in per_channel:
        name = "Direct conversations" if row["channel__kind"] == ChannelKind.DIRECT else row["channel__name"]
        by_day = channels.setdefault(name, {})
        by_day[row["day"].isoformat()] = by_day.get(row["day"].isoformat(), 0) + row["messages"]
    return {
        "since": since.date().isoformat(),
        "days": [{"day": r["day"].isoformat(), "people": r["people"], "messages": r["messages"]} for r in per_day],
        "channels": [
            {"channel": name, "days": by_day, "total": sum(by_day.values())}
            for name, by_day in sorted(channels.items(), key=lambda kv: -sum(kv[1].values()))
        ],
    }


def people_choices(*, q: str = "", limit: int = 20) -> QuerySet[User]:
    """Active members of this organisation (for invitations, direct conversations, mentions)."""
    schema = getattr(connection, "schema_name", "")
    ids = Membership.objects.filter(tenant__schema_name=schema, status=Membership.Status.ACTIVE).values("user_id")
    rows = User.objects.filter(pk__in=ids).order_by("full_name", "email")
    if q:
        rows = rows.filter(Q(full_name__icontains=q) | Q(email__icontains=q))
    return rows[:limit]


def mention_names(email: str, full_name: str) -> set[str]:
    """The words that name a person after `@` (lower case): the email, its first part, the full name without
    spaces or with dots, the first name."""
    names = {email.lower(), email.split("@")[0].lower()}
    if full_name:
        names |= {"".join(full_name.split()).lower(), ".".join(full_name.split()).lower(),
                  full_name.split()[0].lower()}  # fmt: skip
    return names


def mention_keys(channel: Channel) -> dict[str, set[uuid.UUID]]:
    """{name after `@`: the channel's members it names}; a name naming two people names nobody."""
    people = User.objects.filter(pk__in=channel.members.values("user_id")).values_list("pk", "email", "full_name")
    keys: dict[str, set[uuid.UUID]] = {}
    for pk, email, full_name in people:
        for name in mention_names(email, full_name):
            keys.setdefault(name, set()).add(pk)
    return keys


MENTION_SUGGESTIONS = 8


@dataclass
class MentionSuggestion:
    user: Any
    name: str
    mention: str  # what to write after `@`: a word that names this member only


def _mention_word(email: str, full_name: str, keys: dict[str, set[Any]]) -> str:
    """The friendliest word naming one member: the full name without spaces, else the email's first part,
    else the email (unique in the organisation)."""
    for word in ("".join(full_name.split()), email.split("@")[0]):
        if word and len(keys.get(word.lower(), ())) == 1:
            return word
    return email


def mention_suggestions(channel: Channel, q: str, *, limit: int = MENTION_SUGGESTIONS) -> list[MentionSuggestion]:
    """The channel's members whose name or email starts with `q` (or whose name has a word starting so), for
    the composer's @ autocomplete; each with the word that mentions them (services.mentions_find reads it)."""
    q = (q or "").strip().lstrip("@")[:80]
    members = User.objects.filter(pk__in=channel.members.values("user_id"), is_active=True)
    if q:
        members = members.filter(
            Q(full_name__istartswith=q) | Q(full_name__icontains=f" {q}") | Q(email__istartswith=q)
        )
    found = list(members.order_by("full_name", "email")[: max(1, min(limit, MENTION_SUGGESTIONS))])
    if not found:
        return []
    keys = mention_keys(channel)
    return [
        MentionSuggestion(user, person_name(user), _mention_word(user.email, user.full_name or "", keys))
        for user in found
    ]


def history_one(message: Message) -> Message:
    """One message with what its rendering reads (author, reactions, attachments)."""
    return with_details(Message.objects.filter(pk=message.pk)).get()
