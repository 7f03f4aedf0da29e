"""kill -9 of the worker in the middle of a webhook delivery batch.

A local receiver records every POST by its X-NidiaFlow-Delivery id (the receiver's idempotency key).
After a restart and what beat runs every minute (the job sweeper, and `webhooks.retry_due`, which
picks up the deliveries the dead worker had prefetched but not started: those hold no job lease,
and Redis would hand their messages back only after the visibility timeout), within 2 minutes:
every delivery succeeded, exactly one delivery row per event and endpoint, and the receiver
acknowledged each of them (a delivery cut off mid-POST may arrive twice with the same id:
at-least-once, deduped by the receiver).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from apps.core.jobs import jobs_sweep
from apps.core.models import JobLease
from apps.tenancy.models import Tenant, schema_name_for_slug
from apps.webhooks import delivery, services
from apps.webhooks.models import WebhookDelivery

from .conftest import references_delete, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.chaos]
ENDPOINTS, EVENTS_EACH = 4, 50


class Receiver:
    """Acknowledges every POST after a short pause (so the batch lasts long enough to be cut)."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(0.05)
                with receiver.lock:
                    key = self.headers.get("X-NidiaFlow-Delivery", "")
                    receiver.seen[key] = receiver.seen.get(key, 0) + 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def endpoints(committed: None) -> Iterator[tuple[Receiver, list[Tenant]]]:
    prefix = f"cw{secrets.token_hex(3)}-"
    receiver = Receiver()
    tenants = Tenant.objects.bulk_create(
        [Tenant(name=f"Chaos webhooks {n}", slug=f"{prefix}{n}", schema_name=schema_name_for_slug(f"{prefix}{n}"),
                status=Tenant.Status.ACTIVE) for n in range(ENDPOINTS)]
    )  # fmt: skip
    for n, tenant in enumerate(tenants):
        services.webhook_endpoint_create(
            tenant=tenant, url=receiver.url(f"/in/{n}"), enabled_events=["invoice.paid"], acting_user=None
        )
    yield receiver, tenants
    receiver.server.shutdown()
    references_delete(Tenant._meta.db_table, "starts_with(slug, %s)", [prefix])
    JobLease.objects.filter(task="webhooks.deliver").delete()


def _beat() -> None:
    jobs_sweep()
    delivery.retry_due()


def test_worker_killed_mid_webhook_batch(endpoints: tuple[Receiver, list[Tenant]], worker: Any) -> None:
    receiver, tenants = endpoints
    for n in range(ENDPOINTS * EVENTS_EACH):  # each enqueues its delivery on commit (autocommit here)
        services.webhook_event_emit(tenant=tenants[n % ENDPOINTS], event_type="invoice.paid", payload={"n": n})
    deliveries = WebhookDelivery.objects.filter(endpoint__tenant__in=tenants)
    total = deliveries.count()
    assert total == ENDPOINTS * EVENTS_EACH
    worker.start()
    assert wait_until(lambda: len(receiver.seen) >= 20, timeout=90), "the worker delivered nothing"
    worker.kill()
    assert deliveries.filter(status="succeeded").count() < total, "the batch ended before the kill"
    worker.start()
    done = wait_until(lambda: deliveries.filter(status="succeeded").count() == total, timeout=120, step=_beat)
    assert done, f"{total - deliveries.filter(status='succeeded').count()} deliveries unfinished after 2 minutes"
    assert set(receiver.seen) == {str(key) for key in deliveries.values_list("uuid", flat=True)}
    assert deliveries.values("event", "endpoint").distinct().count() == total
