"""Team and workplace channels kept in step with the organisation.

A team channel's people are the active people with an entity membership in the team or any entity below
it; a workplace channel's are those of the workplace's entity (and below). People must also be active
members of the organisation (accounts.Membership). Members added by hand (`source` manual) are never
removed by the sync; members the sync added (`source` sync) leave when they leave the team.

The organisation app publishes no event when an entity membership changes, so the beat task
`chat.channels_reconcile` reconciles every tenant's synced channels in one pass each: one INSERT … SELECT of
the missing pairs and one DELETE of the pairs no longer wanted (set operations, never a query per channel or
person), both RETURNING the pairs so the people's open sockets join or leave the channel's topic.
A workplace change (`workplace.updated`: its entity moved) reconciles at once.
"""

from typing import Any

from django.db import connection, transaction

from apps.accounts.models import Membership
from apps.organisation.models import Entity, EntityMembership, MemberProfile
from apps.tenancy.models import Tenant
from apps.workplaces.models import Workplace

from . import live
from .models import Channel, ChannelMember, MemberRole, MemberSource, NotifyLevel


def _desired_sql() -> str:
    """(channel_id, user_id) pairs every synced, open channel should have."""
    return f"""
        SELECT c.id AS channel_id, p.user_id
        FROM {Channel._meta.db_table} c
        LEFT JOIN {Workplace._meta.db_table} w ON w.id = c.workplace_id
        JOIN {Entity._meta.db_table} root ON root.id = COALESCE(c.team_id, w.entity_id)
        JOIN {Entity._meta.db_table} e ON e.path LIKE root.path || '%%'
        JOIN {EntityMembership._meta.db_table} em ON em.entity_id = e.id
        JOIN {MemberProfile._meta.db_table} p ON p.id = em.profile_id AND p.status IN ('active', 'on_leave')
        JOIN public.{Membership._meta.db_table} am ON am.user_id = p.user_id AND am.status = 'active'
        JOIN public.{Tenant._meta.db_table} t ON t.id = am.tenant_id AND t.schema_name = current_schema()
        WHERE c.archived_at IS NULL AND (c.team_id IS NOT NULL OR c.workplace_id IS NOT NULL)
          {{only}}
    """


def _scope(channel_ids: list[int] | None) -> tuple[str, list[Any]]:
    return ("AND c.id = ANY(%s)", [channel_ids]) if channel_ids is not None else ("", [])


@transaction.atomic
def channels_reconcile(channel_ids: list[int] | None = None) -> tuple[int, int]:
    """Bring the synced channels (all, or those given) in step; `(added, removed)`."""
    only, params = _scope(channel_ids)
    desired = _desired_sql().replace("{only}", only)
    members = ChannelMember._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {members} (channel_id, user_id, role, source, notify, muted_until, last_read_id, joined_at)
            SELECT DISTINCT d.channel_id, d.user_id, %s, %s, %s, NULL::timestamptz,
                   COALESCE((SELECT max(id) FROM chat_message x WHERE x.channel_id = d.channel_id), 0), now()
            FROM ({desired}) d
            ON CONFLICT (channel_id, user_id) DO NOTHING
            RETURNING channel_id, user_id
            """,
            [MemberRole.MEMBER, MemberSource.SYNC, NotifyLevel.MENTIONS, *params],
        )
        added = cursor.fetchall()
        synced = (
            "SELECT c.id FROM chat_channel c WHERE c.archived_at IS NULL "
            f"AND (c.team_id IS NOT NULL OR c.workplace_id IS NOT NULL) {only}"
        )
        cursor.execute(
            f"""
            DELETE FROM {members} m
            WHERE m.source = %s AND m.channel_id IN ({synced})
              AND (m.channel_id, m.user_id) NOT IN (SELECT channel_id, user_id FROM ({desired}) d)
            RETURNING channel_id, user_id
            """,
            [MemberSource.SYNC, *params, *params],
        )
        removed = cursor.fetchall()
    _tell(added, leave=False)
    _tell(removed, leave=True)
    return len(added), len(removed)


def _tell(pairs: list[tuple[int, Any]], *, leave: bool) -> None:
    by_channel: dict[int, list[Any]] = {}
    for channel_id, user_id in pairs:
        by_channel.setdefault(channel_id, []).append(user_id)
    for channel_id, users in by_channel.items():
        live.join(users, channel_id, leave=leave)
        for user_id in users:
            live.emit(channel_id, "member.left" if leave else "member.joined", user=str(user_id))


def workplace_channels_reconcile(workplace_ids: list[int]) -> tuple[int, int]:
    ids = list(Channel.objects.filter(workplace_id__in=workplace_ids).values_list("pk", flat=True))
    return channels_reconcile(ids) if ids else (0, 0)
