"""Benchmark the notification fan-out: one event to 10,000 recipients on two channels (in-app and
email), sent by the real sending tasks run inline, then the same event published again.

Run from the repository root, with the services' environment:

    set -a; source .data/services.env; set +a
    .venv/bin/python bench/notify_fanout.py [--recipients 10000] [--drop]

It uses its own database (`nf_bench_notify`; BENCH_DATABASE_NAME overrides), migrated with the test
settings on the first run (locmem email backend: messages stay in memory, EmailDelivery rows are
written as in production). The tenant `bench-notify` and its members (users and memberships created
in bulk) are kept between runs; each run removes the previous run's notifications, deliveries and
email records first.

Timed part: `notify()` (recipients, preferences, rendering, bulk inserts) and every sending chunk
(`deliveries_send`, NOTIFICATIONS_CHUNK_SIZE deliveries each: claim, render, send over one email
connection, mark). Then the same publication again: `duplicates` counts the extra rows it made.

Progress goes to stderr; the last line on stdout is one JSON object:
`{"recipients", "deliveries", "seconds", "duplicates", ...}`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchdb import BenchDatabase, log  # noqa: E402

BENCH = BenchDatabase("nf_bench_notify")
database_ensure, database_drop = BENCH.ensure, BENCH.drop
database_ensure()

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from apps.accounts.models import Membership, User  # noqa: E402
from apps.core.contributions import Notice, NotificationCategory, contribute  # noqa: E402
from apps.emails.models import EmailDelivery  # noqa: E402
from apps.notifications import services, tasks  # noqa: E402
from apps.notifications.models import Delivery, Notification  # noqa: E402
from apps.tenancy.models import Tenant  # noqa: E402
from apps.tenancy.services import platform_tenant_ensure, tenant_create, tenant_template_ensure  # noqa: E402

SLUG = "bench-notify"
EVENT = "bench.announced"
UNUSABLE = make_password(None)


def everyone(tenant: Tenant, payload: dict) -> list[str]:
    """The bench notice's recipients: every member of the tenant (one query)."""
    return [str(pk) for pk in Membership.objects.filter(tenant=tenant).values_list("user_id", flat=True)]


contribute(
    NotificationCategory("bench", "Bench announcements", default_channels=("in_app", "email")),
    Notice(EVENT, "bench", everyone, title="Announcement: {{ headline }}", body="{{ headline }}: {{ detail }}"),
)  # fmt: skip


def platform_ensure() -> None:
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    platform_tenant_ensure(domain="localhost")
    tenant_template_ensure()


def tenant_ensure(recipients: int) -> Tenant:
    tenant = Tenant.objects.filter(slug=SLUG).first()
    if tenant is None:
        tenant = tenant_create(name="Bench Notify", slug=SLUG, acting_user=None)
        tenant.max_users = 10**6
        tenant.save(update_fields=["max_users"])
    have = Membership.objects.filter(tenant=tenant).count()
    if have < recipients:
        log(f"Creating {recipients - have} users and memberships ...")
        users = [
            User(id=uuid.uuid4(), email=f"bench-notify-{i}@example.com", password=UNUSABLE)
            for i in range(have, recipients)
        ]
        User.objects.bulk_create(users, batch_size=5000)
        Membership.objects.bulk_create([Membership(user=u, tenant=tenant) for u in users], batch_size=5000)
    return tenant


def clean(tenant: Tenant) -> None:
    with schema_context(tenant.schema_name):
        Delivery.objects.all().delete()
        Notification.objects.all().delete()
    EmailDelivery.objects.filter(tenant=tenant).delete()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--drop", action="store_true")
    args = parser.parse_args()
    platform_ensure()
    tenant = tenant_ensure(args.recipients)
    clean(tenant)
    chunks = []

    def apply_async(args: list, **kwargs: object) -> None:  # what a worker does with each message
        chunks.append(len(args[1]))
        tasks.deliveries_send(*args)

    tasks.deliveries_send.apply_async = apply_async  # type: ignore[method-assign]
    payload = {"headline": "Quarterly update", "detail": "the numbers are in", "event_id": "bench-1"}
    started = time.perf_counter()
    created = services.notify(event=EVENT, tenant=tenant, payload=payload)
    seconds = time.perf_counter() - started
    log(f"{created} deliveries in {seconds:.2f} s ({len(chunks)} sending chunks).")
    again = services.notify(event=EVENT, tenant=tenant, payload=payload)
    with schema_context(tenant.schema_name):
        total = Delivery.objects.count()
        sent = Delivery.objects.filter(status="sent").count()
    emails = EmailDelivery.objects.filter(tenant=tenant, status="sent").count()
    result = {"recipients": args.recipients, "deliveries": created, "seconds": round(seconds, 2),
              "duplicates": again + max(0, total - created), "sent": sent, "emails_recorded": emails,
              "chunks": len(chunks)}  # fmt: skip
    if args.drop:
        database_drop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
