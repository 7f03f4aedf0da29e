"""Benchmark one page of a chat channel's history with 1,000,000 messages in the channel.

Run from the repository root, with the services' environment:

    set -a; source .data/services.env; set +a
    .venv/bin/python bench/chat_history.py [--messages 1000000] [--pages 400] [--limit 50] [--drop]

It uses its own database (`nf_bench_chat` on the server of DATABASE_URL; BENCH_DATABASE_NAME overrides),
created and migrated on the first run with the test settings. In it, one tenant "bench-chat" on a plan with
Chat gets 50 people in one public channel and `--messages` messages written by one INSERT … SELECT over
generate_series (not the ORM): authors in turn, one in 20 a thread reply, one in 50 deleted, a few reactions.
The messages are rebuilt only when their count differs.

Timed: the API's read of one page (`apps.chat.selectors.history`, the same keyset query and prefetches
as `GET /api/v1/chat/channels/<id>/messages/`, and the same serialisation), alternately the latest page and a
page before a random id (scrolling up anywhere in the history). Progress goes to stderr; the last line on
stdout is one JSON object: `{"messages", "p95_ms", "p50_ms", "pages", "queries"}` (goal: p95 <= 50 ms).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchdb import BenchDatabase, log  # noqa: E402

BENCH = BenchDatabase("nf_bench_chat")
BENCH.ensure()

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from apps.accounts.models import Membership, User  # noqa: E402
from apps.chat.models import Channel, ChannelMember, Message  # noqa: E402
from apps.chat.selectors import history  # noqa: E402
from apps.chat.serialize import message_data  # noqa: E402
from apps.tenancy.models import Plan, Tenant  # noqa: E402
from apps.tenancy.services import platform_tenant_ensure, tenant_create, tenant_template_ensure  # noqa: E402

SLUG, HOST, PEOPLE = "bench-chat", "bench-chat.localhost", 50
UNUSABLE = make_password(None)

INSERT = """
INSERT INTO chat_message (channel_id, author_id, body, parent_id, client_id, mentions, reply_count, created_at,
    deleted_at, deleted_by_id)
SELECT %(channel)s, (%(users)s::uuid[])[1 + g %% %(n_users)s],
       'Bench message ' || g || ': shelf ' || (g %% 40) || ' restocked, price tags checked at store ' || (g %% 97),
       NULL, NULL, '{}', 0, now() - (%(count)s - g) * interval '20 seconds',
       CASE WHEN g %% 50 = 0 THEN now() ELSE NULL END,
       CASE WHEN g %% 50 = 0 THEN (%(users)s::uuid[])[1] ELSE NULL END
FROM generate_series(1, %(count)s) AS g
"""
# One in 20 messages becomes a reply to the top-level message just before it (same channel).
REPLIES = """
UPDATE chat_message m SET parent_id = m.id - 1 WHERE m.channel_id = %(channel)s AND m.id %% 20 = 0
  AND EXISTS (SELECT 1 FROM chat_message p WHERE p.id = m.id - 1 AND p.parent_id IS NULL)
"""
REACTIONS = """
INSERT INTO chat_reaction (message_id, user_id, emoji, created_at)
SELECT m.id, (%(users)s::uuid[])[1 + m.id %% %(n_users)s], '👍', now()
FROM chat_message m WHERE m.channel_id = %(channel)s AND m.id %% 7 = 0 AND m.deleted_at IS NULL
"""


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def platform_ensure() -> Tenant:
    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    call_command("loaddata", str(REPO_ROOT / "fixtures" / "catalogue.json"), verbosity=0)
    platform_tenant_ensure(domain="localhost")
    tenant_template_ensure()
    tenant = Tenant.objects.filter(slug=SLUG).first() or tenant_create(
        name="Bench Chat", slug=SLUG, acting_user=None, domain=HOST
    )
    plan, _ = Plan.objects.get_or_create(
        name="bench-chat", defaults={"display_name": "Bench (Chat)", "features": {"solutions": ["chat"]}}
    )
    Tenant.objects.filter(pk=tenant.pk).update(plan=plan, status=Tenant.Status.ACTIVE)
    tenant.refresh_from_db()
    call_command("migrate_schemas", schema_name=tenant.schema_name, interactive=False, verbosity=0)
    log(f"Platform, template and tenant ready in {time.perf_counter() - started:.1f} s.")
    return tenant


def people_ensure(tenant: Tenant) -> list[User]:
    emails = [f"bench-chat-{i}@bench.invalid" for i in range(PEOPLE)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    User.objects.bulk_create(
        [User(email=e, full_name=e.split("@")[0], password=UNUSABLE) for e in emails if e not in existing]
    )
    users = list(User.objects.filter(email__in=emails).order_by("email"))
    Membership.objects.bulk_create([Membership(user=u, tenant=tenant) for u in users], ignore_conflicts=True)
    return users


def channel_build(tenant: Tenant, users: list[User], count: int) -> Channel:
    with schema_context(tenant.schema_name):
        channel = Channel.objects.filter(name="bench").first() or Channel.objects.create(kind="public", name="bench")
        ChannelMember.objects.bulk_create(
            [ChannelMember(channel=channel, user=u) for u in users], ignore_conflicts=True
        )
        if Message.objects.filter(channel=channel).count() == count:
            log(f"{count} messages already there.")
            return channel
        started = time.perf_counter()
        params = {"channel": channel.pk, "users": [str(u.pk) for u in users], "n_users": len(users), "count": count}
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE chat_reaction, chat_messagerevision, chat_messageattachment, chat_message")
            cursor.execute(INSERT, params)
            cursor.execute(REPLIES, params)
            cursor.execute(REACTIONS, params)
            cursor.execute("ANALYZE chat_message")
            cursor.execute("ANALYZE chat_reaction")
        log(f"{count} messages inserted in {time.perf_counter() - started:.1f} s.")
        return channel


def measure(tenant: Tenant, channel: Channel, pages: int, limit: int) -> tuple[list[float], set[int]]:
    with schema_context(tenant.schema_name):
        bounds = Message.objects.filter(channel=channel).order_by("id").values_list("id", flat=True)
        low, high = bounds.first() or 0, bounds.last() or 0
        rng = random.Random(17)
        for _ in range(10):  # warm-up
            [message_data(m) for m in history(channel, limit=limit)[0]]
        timings, queries = [], set()
        for i in range(pages):
            before = None if i % 2 == 0 else rng.randint(low + limit, high)
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                page, _ = history(channel, before=before, limit=limit)
                rows = [message_data(m) for m in page]
                timings.append((time.perf_counter() - started) * 1000)
            if len(rows) != limit:
                raise SystemExit(f"A page had {len(rows)} messages, not {limit}.")
            queries.add(len(captured))
        return timings, queries


def explain(tenant: Tenant, channel: Channel, limit: int) -> None:
    with schema_context(tenant.schema_name):
        rows = Message.objects.filter(channel=channel, parent__isnull=True, pk__lt=500_000).order_by("-id")[:limit]
        log(rows.explain(analyze=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--drop", action="store_true", help="drop the benchmark database afterwards")
    args = parser.parse_args()
    tenant = platform_ensure()
    users = people_ensure(tenant)
    channel = channel_build(tenant, users, args.messages)
    explain(tenant, channel, args.limit)
    timings, queries = measure(tenant, channel, args.pages, args.limit)
    result = {
        "messages": args.messages,
        "p95_ms": round(percentile(timings, 95), 2),
        "p50_ms": round(percentile(timings, 50), 2),
        "pages": args.pages,
        "queries": sorted(queries),
    }
    if args.drop:
        connection.close()
        BENCH.drop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
