"""Benchmark the cost the API request log adds to one /api/ request.

Run from the repository root:

    .venv/bin/python bench/api_request_log.py [--requests N]

It calls ApiRequestLogMiddleware N times (default 20,000) around a view that returns at once (so
only the logging is measured: building the row and one pipelined RPUSH + LTRIM to Redis), with a
request that looks like an authenticated tenant API call, then flushes the buffer into the
partitioned table with the flush task's code and deletes the rows it wrote. It uses its own Redis
key (`bench:logs:<random>`) and deletes it at the end.

The last line on stdout is one JSON object:
`{"requests": N, "per_request_p50_ms": ..., "per_request_p95_ms": ..., "flush_rows_per_s": ...,
"db_queries_in_middleware": 0}`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from apps.logs.buffer import buffer_client, buffer_flush
    from apps.logs.middleware import ApiRequestLogMiddleware
    from apps.logs.models import ApiRequestLog

    settings.API_REQUEST_LOG_BUFFER_KEY = f"bench:logs:{secrets.token_hex(4)}"
    settings.API_REQUEST_LOG_SAMPLE_RATE = 1.0
    marker = f"bench-{secrets.token_hex(4)}"
    middleware = ApiRequestLogMiddleware(lambda request: HttpResponse(status=200))
    request = RequestFactory().get("/api/v1/members/", HTTP_USER_AGENT="bench/1.0")
    request.correlation_id = marker  # type: ignore[attr-defined]
    timings: list[float] = []
    try:
        with CaptureQueriesContext(connection) as queries:
            for _ in range(args.requests):
                started = time.perf_counter()
                middleware(request)
                timings.append((time.perf_counter() - started) * 1000)
        print(f"logged {args.requests} requests", file=sys.stderr)
        started = time.perf_counter()
        flushed = buffer_flush(batch_size=1000, max_batches=10_000)
        flush_seconds = time.perf_counter() - started
    finally:
        buffer_client().delete(settings.API_REQUEST_LOG_BUFFER_KEY)
        ApiRequestLog.objects.filter(correlation_id=marker).delete()
    print(json.dumps({
        "requests": args.requests,
        "per_request_p50_ms": round(_percentile(timings, 50), 4),
        "per_request_p95_ms": round(_percentile(timings, 95), 4),
        "flush_rows_per_s": round(flushed / flush_seconds) if flush_seconds else None,
        "db_queries_in_middleware": len(queries),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
