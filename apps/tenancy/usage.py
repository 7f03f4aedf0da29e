"""Usage: API calls counted per request in Redis, the tenant's daily API quota, and the daily roll-up.

API calls are counted with one Redis INCR per request on `usage:api:<tenant id>:<YYYYMMDD>` (UTC day).
The key is built here and written with the raw Redis client of the default cache, on purpose: the
cache's key function (django_tenants.cache.make_key) prefixes the current schema, and a counter
must be the same key whichever schema the connection happens to be on (request, task, shell).

Without Redis (the embedded fallback of bin/services.py: the default cache is locmem, one per
process, so a counter kept there would never reach the worker's roll-up) the calls are counted in
the database instead: one upsert per call on today's TenantUsageDaily row, which the roll-up keeps.
Slower, but the quota and the usage chart still work; a log line says so once per process.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django_tenants.utils import get_public_schema_name
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.throttling import BaseThrottle

from apps.accounts.models import Membership
from apps.core import hooks

from .models import Tenant, TenantStatus, TenantUsageDaily

API_CALLS_KEY = "usage:api:{tenant_id}:{day:%Y%m%d}"
# Long enough for the nightly roll-up of yesterday (and a re-run the day after) to still read it.
API_CALLS_KEY_TTL = int(dt.timedelta(days=3).total_seconds())
AGGREGATED_STATUSES = (TenantStatus.ACTIVE, TenantStatus.SUSPENDED)
SEAT_STATUSES = (Membership.Status.ACTIVE, Membership.Status.SUSPENDED)
BYTES_PER_GB = Decimal(1024**3)

logger = logging.getLogger(__name__)
_fallback_announced = False


def _redis() -> Any | None:
    """The redis-py client behind Django's RedisCache (same server and database as the cache), or None
    when the default cache is not Redis (the embedded fallback's locmem): then calls are counted in
    the database."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    global _fallback_announced
    if not _fallback_announced:
        _fallback_announced = True
        logger.info(
            "The default cache is %s, not Redis: API calls are counted in the database (tenancy_tenantusagedaily).",
            type(cache).__name__,
        )
    return None


# One statement per call: creates today's row (zeros) or adds one to it, and answers the new count.
_DB_COUNT_SQL = f"""
    INSERT INTO {TenantUsageDaily._meta.db_table}
        (tenant_id, date, active_users, storage_used_gb, emails_sent, whatsapp_messages_sent, api_calls,
         created_at, updated_at)
    VALUES (%s, %s, 0, 0, 0, 0, 1, %s, %s)
    ON CONFLICT (tenant_id, date) DO UPDATE
        SET api_calls = {TenantUsageDaily._meta.db_table}.api_calls + 1, updated_at = EXCLUDED.updated_at
    RETURNING api_calls
"""


def _db_count(tenant_id: Any, day: dt.date) -> int:
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_DB_COUNT_SQL, [tenant_id, day, now, now])
        return int(cursor.fetchone()[0])


def _utc_today() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


def api_calls_key(*, tenant_id: Any, day: dt.date) -> str:
    return API_CALLS_KEY.format(tenant_id=tenant_id, day=day)


def api_call_count(*, tenant: Tenant) -> int:
    """Count one API call of the tenant today (UTC); returns today's count including this call."""
    client = _redis()
    if client is None:
        return _db_count(tenant.pk, _utc_today())
    key = api_calls_key(tenant_id=tenant.pk, day=_utc_today())
    pipe = client.pipeline(transaction=False)
    pipe.incr(key)
    pipe.expire(key, API_CALLS_KEY_TTL)  # one round trip with the INCR; renewing a dated key is harmless
    count, _ = pipe.execute()
    return int(count)


def api_calls_today(*, tenant: Tenant) -> int:
    client = _redis()
    if client is None:
        row = TenantUsageDaily.objects.filter(tenant=tenant, date=_utc_today()).values_list("api_calls", flat=True)
        return int(row.first() or 0)
    return int(client.get(api_calls_key(tenant_id=tenant.pk, day=_utc_today())) or 0)


def quota_resets_at() -> dt.datetime:
    """The next UTC midnight, when every tenant's daily API quota starts again."""
    return dt.datetime.combine(_utc_today() + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)


# --- The daily API quota ------------------------------------------------------------------------


class ApiQuotaExceeded(Throttled):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "api_quota_exceeded"

    def __init__(self, *, limit: int, resets_at: dt.datetime) -> None:
        wait = max(1, int((resets_at - timezone.now()).total_seconds()))
        super().__init__(wait=wait)
        # DRF renders a dict detail as the body as is; its handler adds Retry-After from `wait`.
        self.detail = {
            "detail": f"This organisation has used its {limit} API calls for today. "
            f"The quota resets at {resets_at:%H:%M} UTC.",
            "code": "api_quota_exceeded",
            "limit": limit,
            "resets_at": resets_at.isoformat().replace("+00:00", "Z"),
        }


class TenantApiQuotaThrottle(BaseThrottle):
    """Counts every authenticated call of a tenant's API and refuses those beyond `api_calls_per_day`.

    Runs after authentication and permissions (DRF order), so refused and anonymous requests cost the
    tenant nothing. The platform domain (public schema) is not counted.
    """

    def allow_request(self, request: Any, view: Any) -> bool:
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.schema_name == get_public_schema_name():
            return True
        if not (request.user and request.user.is_authenticated):
            return True
        if api_call_count(tenant=tenant) > tenant.api_calls_per_day:
            raise ApiQuotaExceeded(limit=tenant.api_calls_per_day, resets_at=quota_resets_at())
        return True


# --- Daily roll-up ------------------------------------------------------------------------------

USAGE_FIELDS = ["active_users", "storage_used_gb", "emails_sent", "whatsapp_messages_sent", "api_calls"]


@dataclass(frozen=True)
class UsagePoint:
    date: dt.date
    active_users: int
    storage_used_gb: Decimal
    emails_sent: int
    whatsapp_messages_sent: int
    api_calls: int


def _aggregated_tenants() -> list[Tenant]:
    return list(
        Tenant.objects.filter(status__in=AGGREGATED_STATUSES, is_template=False)
        .exclude(schema_name=get_public_schema_name())
        .only("id", "schema_name", "current_users", "current_storage_gb")
    )


def _members_by_tenant(tenant_ids: list[Any]) -> dict[Any, dict[str, int]]:
    rows = (
        Membership.objects.filter(tenant_id__in=tenant_ids)
        .values("tenant_id")
        .annotate(
            active=Count("id", filter=Q(status=Membership.Status.ACTIVE)),
            seats=Count("id", filter=Q(status__in=SEAT_STATUSES)),
        )
    )
    return {row["tenant_id"]: row for row in rows}


def _storage_bytes_by_schema(schema_names: list[str]) -> dict[str, int]:
    # Tables and materialised views only: pg_total_relation_size already includes their indexes and TOAST.
    sql = """
        SELECT n.nspname, COALESCE(SUM(pg_total_relation_size(c.oid)), 0)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'm')
        GROUP BY n.nspname
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [schema_names])
        return {name: int(size) for name, size in cursor.fetchall()}


def _no_emails(tenant_ids: list[Any], day: dt.date) -> dict[Any, int]:
    return {}


def _emails_sent_by_tenant(tenant_ids: list[Any], day: dt.date) -> dict[Any, int]:
    """Emails sent per tenant on that UTC day. The emails app (a platform service, above tenancy)
    answers through the hook "usage.emails_sent_by_tenant" (apps/emails/contributions.py)."""
    return hooks.one("usage.emails_sent_by_tenant", default=_no_emails)(tenant_ids, day)


def _whatsapp_sent_by_tenant(tenant_ids: list[Any], day: dt.date) -> dict[Any, int]:
    """WhatsApp messages sent per tenant on that UTC day. The notifications app answers through the hook
    "usage.whatsapp_sent_by_tenant" (apps/notifications/contributions.py); none installed: 0."""
    return hooks.one("usage.whatsapp_sent_by_tenant", default=_no_emails)(tenant_ids, day)


def _api_calls_by_tenant(tenant_ids: list[Any], day: dt.date) -> dict[Any, int]:
    if not tenant_ids:
        return {}
    recorded = TenantUsageDaily.objects.filter(date=day, tenant_id__in=tenant_ids).values_list("tenant_id", "api_calls")
    client = _redis()
    if client is None:  # counted in the database as they happened (no Redis)
        return dict(recorded)
    values = client.mget([api_calls_key(tenant_id=tenant_id, day=day) for tenant_id in tenant_ids])
    counted = {tenant_id: int(value) for tenant_id, value in zip(tenant_ids, values, strict=True) if value is not None}
    # Counters expire after API_CALLS_KEY_TTL: re-running an old day keeps the calls it recorded then.
    return {**dict(recorded), **counted}


def _gb(size_bytes: int) -> Decimal:
    return (Decimal(size_bytes) / BYTES_PER_GB).quantize(Decimal("0.001"))


@transaction.atomic
def usage_aggregate(*, day: dt.date) -> int:
    """Write (or overwrite) TenantUsageDaily of `day` for every active and suspended tenant.

    A constant number of queries whatever the number of tenants. Active users and storage are
    snapshots taken now; emails, WhatsApp messages and API calls are that UTC day's
    counts. Also refreshes each tenant's current_users (seats: active and
    suspended members, what max_users limits) and current_storage_gb. Returns the rows written.
    """
    tenants = _aggregated_tenants()
    ids = [tenant.pk for tenant in tenants]
    members = _members_by_tenant(ids)
    storage = _storage_bytes_by_schema([tenant.schema_name for tenant in tenants])
    emails = _emails_sent_by_tenant(ids, day)
    whatsapp = _whatsapp_sent_by_tenant(ids, day)
    api_calls = _api_calls_by_tenant(ids, day)
    rows = []
    for tenant in tenants:
        counts = members.get(tenant.pk, {})
        tenant.current_users = counts.get("seats", 0)
        tenant.current_storage_gb = _gb(storage.get(tenant.schema_name, 0))
        rows.append(
            TenantUsageDaily(
                tenant=tenant, date=day, active_users=counts.get("active", 0),
                storage_used_gb=tenant.current_storage_gb, emails_sent=emails.get(tenant.pk, 0),
                whatsapp_messages_sent=whatsapp.get(tenant.pk, 0), api_calls=api_calls.get(tenant.pk, 0),
            )
        )  # fmt: skip
    TenantUsageDaily.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["tenant", "date"], update_fields=[*USAGE_FIELDS, "updated_at"]
    )
    Tenant.objects.bulk_update(tenants, ["current_users", "current_storage_gb"])
    return len(rows)


def usage_series(*, tenant: Tenant, days: int = 90) -> list[UsagePoint]:
    """One point per day for the last `days` UTC days (oldest first); days without a row are zeros."""
    today = _utc_today()
    first = today - dt.timedelta(days=days - 1)
    stored = {row.date: row for row in TenantUsageDaily.objects.filter(tenant=tenant, date__gte=first, date__lte=today)}
    points = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        row = stored.get(day)
        points.append(
            UsagePoint(
                date=day, active_users=row.active_users if row else 0,
                storage_used_gb=row.storage_used_gb if row else Decimal("0"), emails_sent=row.emails_sent if row else 0,
                whatsapp_messages_sent=row.whatsapp_messages_sent if row else 0, api_calls=row.api_calls if row else 0,
            )
        )  # fmt: skip
    return points
