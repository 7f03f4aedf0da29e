"""Benchmark outbound webhook delivery: N deliveries to a local HTTP receiver, a third of the
endpoints failing at first, retried until nothing is pending.

Run from the repository root, with the services' environment:

    set -a; source .data/services.env; set +a
    .venv/bin/python bench/webhooks.py [--deliveries 10000] [--endpoints 30] [--threads 16]
                                       [--fail-attempts 1] [--rebuild] [--drop]

It uses its own database (`nf_bench_webhooks` on the server of DATABASE_URL; BENCH_DATABASE_NAME
overrides), created and migrated (shared apps only: webhooks live in the public schema) with the
test settings on the first run (`--rebuild` drops and recreates it first; `--drop` drops it at the
end). Each run removes the previous run's webhook rows and bench tenants, then:

* creates one Tenant row per endpoint (no schema) and one endpoint each, subscribed to
  `invoice.paid`, through `webhook_endpoint_create`; every third endpoint's URL is a path where the
  receiver answers 500 to the first `--fail-attempts` attempts of each delivery, then 200;
* emits N events round-robin over the tenants through `webhook_event_emit` (N deliveries; the
  Celery enqueue is switched off: this script drives the worker functions itself).

Timed part: the worker side in-process, as Celery workers would run it: claim due deliveries in
batches (`deliveries_claim`, FOR UPDATE SKIP LOCKED) and send each with `delivery_send` on a thread
pool (each thread its own database connection, one shared requests Session). When only retries are
left, their `next_attempt_at` is moved to now instead of sleeping through the backoff.

Progress goes to stderr; the last line on stdout is one JSON object:
`{"deliveries", "seconds", "delivered", "lost", ...extra fields}` where `lost` counts deliveries
neither succeeded nor failed by design, plus any mismatch with what the receiver acknowledged.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchdb import BenchDatabase, log  # noqa: E402

BENCH = BenchDatabase("nf_bench_webhooks")
BENCH_DATABASE = BENCH.name
database_ensure, database_drop = BENCH.ensure, BENCH.drop

SLUG_PREFIX = "bw-"


class Receiver:
    """Answers 500 to the first `fail_attempts` attempts of each delivery on /fail/ paths, else 200."""

    def __init__(self, fail_attempts: int) -> None:
        self.fail_attempts = fail_attempts
        self.seen: dict[str, int] = {}
        self.acknowledged: set[str] = set()
        self.requests = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: the worker's Session reuses connections

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                delivery = self.headers.get("X-NidiaFlow-Delivery", "")
                with receiver.lock:
                    receiver.requests += 1
                    attempt = receiver.seen[delivery] = receiver.seen.get(delivery, 0) + 1
                    code = 500 if self.path.startswith("/fail/") and attempt <= receiver.fail_attempts else 200
                    if code == 200:
                        receiver.acknowledged.add(delivery)
                reply = b'{"ok":true}' if code == 200 else b'{"ok":false}'
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--endpoints", type=int, default=30)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--fail-attempts", type=int, default=1, help="500s per delivery on failing endpoints")
    parser.add_argument("--rebuild", action="store_true", help="drop and recreate the bench database first")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    args = parser.parse_args(argv)
    if args.rebuild:
        database_drop()
    database_ensure()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections
    from django.utils import timezone

    from apps.tenancy.models import Tenant, schema_name_for_slug
    from apps.webhooks import delivery as worker
    from apps.webhooks import services
    from apps.webhooks.models import OPEN_STATUSES, WebhookDelivery, WebhookEndpoint, WebhookEvent

    settings.WEBHOOKS_ALLOW_HTTP = settings.WEBHOOKS_ALLOW_PRIVATE = True  # the receiver is http://127.0.0.1
    services.deliveries_enqueue = lambda ids: None  # no broker: this script is the worker

    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    log(f"Database ready in {time.perf_counter() - started:.1f} s.")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE webhooks_webhookattempt, webhooks_webhookdelivery, webhooks_webhookevent, "
            "webhooks_webhookendpoint, webhooks_historicalwebhookendpoint"
        )
        cursor.execute("DELETE FROM tenancy_tenant WHERE slug LIKE %s", [f"{SLUG_PREFIX}%"])

    receiver = Receiver(args.fail_attempts)
    receiver.thread.start()
    started = time.perf_counter()
    tenants = Tenant.objects.bulk_create(
        [
            Tenant(
                name=f"Bench webhooks {n}",
                slug=f"{SLUG_PREFIX}{n}",
                schema_name=schema_name_for_slug(f"{SLUG_PREFIX}{n}"),
                status=Tenant.Status.ACTIVE,
            )
            for n in range(args.endpoints)
        ]
    )
    for n, tenant in enumerate(tenants):
        path = f"/fail/{n}" if n % 3 == 0 else f"/ok/{n}"
        services.webhook_endpoint_create(
            tenant=tenant, url=receiver.url(path), enabled_events=["invoice.paid"], acting_user=None
        )
    failing = sum(1 for n in range(args.endpoints) if n % 3 == 0)
    for n in range(args.deliveries):
        services.webhook_event_emit(
            tenant=tenants[n % len(tenants)],
            event_type="invoice.paid",
            payload={"number": f"INV-{n:06d}", "total": "49.90"},
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(
        f"Built {args.endpoints} endpoints ({failing} failing at first) and "
        f"{WebhookDelivery.objects.count()} deliveries in {time.perf_counter() - started:.1f} s."
    )

    def send(delivery_id: int) -> str | None:
        return worker.delivery_send(delivery_id, claimed=True)

    def close_connection() -> None:
        connections.close_all()

    started = time.perf_counter()
    rounds = forced = 0
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        while True:
            ids = worker.deliveries_claim(limit=args.batch)
            if ids:
                list(pool.map(send, ids))
                rounds += 1
                continue
            still_open = WebhookDelivery.objects.filter(status__in=OPEN_STATUSES)
            if not still_open.exists():
                break
            forced += still_open.update(next_attempt_at=timezone.now())  # the backoff, without sleeping
            log(f"  forced {forced} retries due so far")
        list(pool.map(lambda _: close_connection(), range(args.threads)))
    seconds = time.perf_counter() - started

    receiver.server.shutdown()
    delivered = WebhookDelivery.objects.filter(status="succeeded").count()
    failed_by_design = (
        WebhookDelivery.objects.filter(status="failed").count() if args.fail_attempts >= worker.MAX_ATTEMPTS else 0
    )
    not_done = WebhookDelivery.objects.exclude(status="succeeded").count() - failed_by_design
    lost = not_done + abs(delivered - len(receiver.acknowledged))
    result = {
        "deliveries": args.deliveries,
        "seconds": round(seconds, 1),
        "delivered": delivered,
        "lost": lost,
        "per_second": round(args.deliveries / seconds, 1) if seconds else None,
        "attempts": receiver.requests,
        "retries_forced": forced,
        "endpoints": args.endpoints,
        "failing_endpoints": failing,
        "threads": args.threads,
        "events": WebhookEvent.objects.count(),
        "endpoints_disabled": WebhookEndpoint.objects.filter(enabled=False).count(),
    }
    log(f"Sent in {seconds:.1f} s over {rounds} batches.")
    if args.drop:
        connections.close_all()
        database_drop()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
