"""Prometheus metrics: what every process counts, what a scrape reads live, and the `/metrics` view.

Counted where it happens (prometheus-client, one file per process in multiprocess mode):

- `nidia_http_requests_total{route, method, status}` and `nidia_http_request_duration_seconds{route,
  method}`: `route` is the resolved URL's name ("admin:index", "healthz"), the view's dotted path
  when the URL has no name, and "unmatched" for a 404 that matched nothing; never the raw path.
- `nidia_celery_tasks_total{task, outcome}` (succeeded, failed, retried) and
  `nidia_celery_task_duration_seconds{task}`, from Celery's signals in the workers.
- `nidia_job_duration_seconds{job, outcome}`: long jobs that apps time where they finish
  (`observe_job`): provisioning jobs (apps.tenancy.metrics), billing runs (apps.billing.run).

Read at scrape time by the process that answers `/metrics` (cheap, bounded queries only):

- `nidia_celery_queue_depth{queue}`: messages waiting in each Celery queue on the broker;
- whatever apps answer the hook `observability.metrics` (`fn() -> Iterable[Metric]`, e.g. the
  webhook and notification backlogs).

No label names a tenant or a user: their number is unbounded, and a scrape must stay small.

Several processes (gunicorn workers, Celery prefork children): set PROMETHEUS_MULTIPROC_DIR to an
empty directory, the same for every process of one host, before any of them starts; every process
writes its counters there and a scrape merges them (docs/observability.md says how to run it).
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tenants.utils import schema_context
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from . import hooks

logger = logging.getLogger(__name__)

# Request latencies: the product's bar is p95 under 100 ms, so the buckets are fine below it.
_HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_JOB_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)

HTTP_REQUESTS = Counter(
    "nidia_http_requests", "HTTP requests answered, by route, method and status.", ["route", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "nidia_http_request_duration_seconds",
    "Time to answer an HTTP request, by route and method.",
    ["route", "method"],
    buckets=_HTTP_BUCKETS,
)
CELERY_TASKS = Counter("nidia_celery_tasks", "Celery task outcomes, by task name.", ["task", "outcome"])
CELERY_TASK_DURATION = Histogram(
    "nidia_celery_task_duration_seconds", "Celery task run time, by task name.", ["task"], buckets=_JOB_BUCKETS
)
JOB_DURATION = Histogram(
    "nidia_job_duration_seconds",
    "Duration of long jobs (provisioning, billing_run), by job and outcome.",
    ["job", "outcome"],
    buckets=_JOB_BUCKETS,
)

_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def route_label(request: HttpRequest) -> str:
    """The resolved URL's name (with namespace; Django gives the view's dotted path when unnamed), else
    "unmatched": a bounded set either way, unlike the path."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


def method_label(request: HttpRequest) -> str:
    """The method, or "other": a client may send any token as a method and must not add a series."""
    method = (request.method or "").upper()
    return method if method in _METHODS else "other"


class RequestMetricsMiddleware:
    """Counts and times every request (outermost, so its time includes every other middleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        route, method = route_label(request), method_label(request)
        HTTP_LATENCY.labels(route, method).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(route, method, str(response.status_code)).inc()
        return response


@contextmanager
def observe_job(job: str) -> Iterator[None]:
    """Time a block as `job` in nidia_job_duration_seconds (outcome "succeeded" or "failed")."""
    started = time.perf_counter()
    outcome = "failed"
    try:
        yield
        outcome = "succeeded"
    finally:
        JOB_DURATION.labels(job, outcome).observe(time.perf_counter() - started)


# --- Celery task outcomes (connected in apps.core.signals, so workers count them) ------------------
_task_started: dict[str, float] = {}


def task_started(task_id: str | None) -> None:
    if task_id:
        _task_started[task_id] = time.perf_counter()


def task_finished(task_id: str | None, task_name: str, outcome: str) -> None:
    """Count the outcome; time it when this process saw the task start (a retry is counted, not timed)."""
    CELERY_TASKS.labels(task_name, outcome).inc()
    started = _task_started.pop(task_id, None) if task_id else None
    if started is not None and outcome != "retried":
        CELERY_TASK_DURATION.labels(task_name).observe(time.perf_counter() - started)


# --- Read at scrape time -----------------------------------------------------------------------------


def celery_queue_names() -> list[str]:
    """The default queue, the declared queues and any named by routes (METRICS_CELERY_QUEUES adds more)."""
    from config.celery import app

    names = {app.conf.task_default_queue}
    names.update(queue.name for queue in (app.conf.task_queues or ()))
    routes = app.conf.task_routes
    if isinstance(routes, dict):
        names.update(route["queue"] for route in routes.values() if isinstance(route, dict) and "queue" in route)
    names.update(getattr(settings, "METRICS_CELERY_QUEUES", []))
    return sorted(name for name in names if name)


def celery_queue_depths(names: Iterable[str]) -> dict[str, int]:
    """Messages waiting per queue: Redis LLEN (every priority list) through kombu; 0 for a queue
    never declared; the broker's own error when it cannot be reached."""
    from kombu.exceptions import ChannelError

    from config.celery import app

    depths: dict[str, int] = {}
    with app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        channel = conn.default_channel
        for name in names:
            try:
                depths[name] = int(channel.queue_declare(queue=name, passive=True).message_count)
            except ChannelError:
                depths[name] = 0
    return depths


class ScrapeTimeCollector(Collector):
    """Gauges read when /metrics is scraped: queue depths and the apps' `observability.metrics` answers.

    A source that fails is logged and left out (with nidia_metrics_source_up 0): a broken backlog
    query must not take every other metric down with it."""

    def collect(self) -> Iterator[Any]:
        up = GaugeMetricFamily("nidia_metrics_source_up", "1 when a scrape-time source answered.", labels=["source"])
        sources: list[tuple[str, Callable[[], Iterable[Any]]]] = [("celery_queues", _queue_metrics)]
        sources += [(_source_name(fn), fn) for fn in hooks.all("observability.metrics")]
        for name, source in sources:
            try:
                yield from list(source())
                up.add_metric([name], 1)
            except Exception:
                logger.warning("Metrics source %s failed", name, exc_info=True)
                up.add_metric([name], 0)
        yield up


BACKLOG_CAP = 10_000  # a scrape never counts a huge table: due rows are counted up to this many


def backlog_gauges(due: Any, field: str, *, names: tuple[str, str], helps: tuple[str, str]) -> Iterator[Any]:
    """Two gauges for an app's backlog (hook `observability.metrics`): how many rows of `due` (a queryset of the
    rows due now, on an index) up to BACKLOG_CAP, and how long the oldest by `field` has waited. Read in public."""
    now = timezone.now()
    with schema_context("public"):
        count = due.order_by()[:BACKLOG_CAP].count()  # COUNT over a LIMITed subquery
        oldest = due.order_by(field).values_list(field, flat=True).first()
    yield GaugeMetricFamily(names[0], helps[0], value=count)
    yield GaugeMetricFamily(names[1], helps[1], value=(now - oldest).total_seconds() if oldest else 0.0)


def _source_name(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '')}.{getattr(fn, '__name__', '')}".removeprefix("apps.")


def _queue_metrics() -> Iterator[Any]:
    depth = GaugeMetricFamily("nidia_celery_queue_depth", "Messages waiting in each Celery queue.", labels=["queue"])
    for queue, count in celery_queue_depths(celery_queue_names()).items():
        depth.add_metric([queue], count)
    yield depth


def counted_registry() -> CollectorRegistry:
    """Every process's counters merged (multiprocess mode), or this process's own registry."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


def scrape_text() -> bytes:
    """The exposition: counted metrics, then the scrape-time gauges (distinct names, so one document)."""
    live = CollectorRegistry()
    live.register(ScrapeTimeCollector())
    return generate_latest(counted_registry()) + generate_latest(live)


# --- The endpoint ---------------------------------------------------------------------------------


def _refusal(status: int, detail: str, code: str) -> JsonResponse:
    response = JsonResponse({"detail": detail, "code": code}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def metrics_refusal(request: HttpRequest) -> JsonResponse | None:
    """None when the request carries METRICS_TOKEN as a bearer token; otherwise the answer to give.

    No token configured: 503 (the endpoint stays closed rather than open to anyone)."""
    expected = getattr(settings, "METRICS_TOKEN", "")
    if not expected:
        return _refusal(503, "Metrics are disabled: set METRICS_TOKEN to enable /metrics.", "metrics_disabled")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _refusal(
            401, "Send the metrics token as 'Authorization: Bearer <METRICS_TOKEN>'.", "metrics_token_missing"
        )
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        return _refusal(403, "The metrics token is wrong.", "metrics_token_wrong")
    return None


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text exposition, for a scraper holding METRICS_TOKEN (platform domain only)."""
    refusal = metrics_refusal(request)
    if refusal is not None:
        return refusal
    return HttpResponse(scrape_text(), content_type=CONTENT_TYPE_LATEST)
