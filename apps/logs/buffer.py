"""The API request log buffer: a Redis list the middleware appends to and a beat task drains.

Appending costs one pipelined round trip (RPUSH + LTRIM) and no database work. The list is capped
at API_REQUEST_LOG_BUFFER_MAX entries so a stopped flusher cannot fill Redis. Draining is
at-most-once: a batch is taken off the list before it is inserted, so a crash between the two
loses that batch of technical log rows rather than duplicating it.

Without Redis (`REDIS_URL` empty: the embedded fallback of bin/services.py) there is no buffer: each
entry is inserted at once (one INSERT per logged request, fine for a development machine) and the
flush task has nothing to do.
"""

import ipaddress
import json
import logging
from datetime import datetime
from functools import lru_cache
from typing import Any

import redis
from django.conf import settings

from .models import ApiRequestLog

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)


def buffer_client() -> redis.Redis | None:
    """The Redis holding the buffer, or None when no Redis is configured (entries go straight to the table)."""
    return _client(settings.REDIS_URL) if settings.REDIS_URL else None


def buffer_key() -> str:
    return str(settings.API_REQUEST_LOG_BUFFER_KEY)


def buffer_push(entry: dict[str, Any]) -> None:
    """Append one entry; never raises (logging must not break the request)."""
    try:
        client = buffer_client()
        if client is None:
            _row(json.dumps(entry)).save(force_insert=True)
            return
        pipe = client.pipeline(transaction=False)
        pipe.rpush(buffer_key(), json.dumps(entry, separators=(",", ":")))
        pipe.ltrim(buffer_key(), -int(settings.API_REQUEST_LOG_BUFFER_MAX), -1)
        pipe.execute()
    except Exception as exc:  # noqa: BLE001 - Redis down: drop the log line, keep serving
        logger.warning("API request log buffer unavailable: %s", exc)


def _take(batch_size: int) -> list[bytes]:
    client = buffer_client()
    if client is None:  # no buffer: buffer_push wrote every entry already
        return []
    pipe = client.pipeline(transaction=True)
    pipe.lrange(buffer_key(), 0, batch_size - 1)
    pipe.ltrim(buffer_key(), batch_size, -1)
    items, _ = pipe.execute()
    return list(items)


def _row(raw: bytes | str) -> ApiRequestLog:
    data = json.loads(raw)
    data["created_at"] = datetime.fromisoformat(data["created_at"])
    try:
        ipaddress.ip_address(data.get("ip_address") or "")
    except ValueError:
        data["ip_address"] = None
    return ApiRequestLog(**data)


def buffer_flush(*, batch_size: int = 1000, max_batches: int = 100) -> int:
    """Move buffered entries into ApiRequestLog with bulk inserts; return the rows written."""
    written = 0
    for _ in range(max_batches):
        items = _take(batch_size)
        if not items:
            break
        rows = []
        for raw in items:
            try:
                rows.append(_row(raw))
            except (ValueError, TypeError, KeyError) as exc:
                logger.warning("Dropping a malformed API request log entry: %s", exc)
        ApiRequestLog.objects.bulk_create(rows, batch_size=batch_size)
        written += len(rows)
    return written
