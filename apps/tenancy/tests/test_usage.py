"""Usage: the per-request API counter, the daily API quota, the daily roll-up and the series for the chart."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership
from apps.accounts.services import membership_create
from apps.emails.models import EmailDelivery
from apps.tenancy.models import Plan, Tenant, TenantUsageDaily
from apps.tenancy.usage import (
    _gb,
    _redis,
    _storage_bytes_by_schema,
    api_call_count,
    api_calls_key,
    api_calls_today,
    usage_aggregate,
    usage_series,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.now().astimezone(dt.UTC).date()


def clear_counter(tenant: Tenant, day: dt.date = TODAY) -> None:
    # Redis is not rolled back with the test transaction, and tenant ids survive --reuse-db.
    client = _redis()
    assert client is not None, (
        "these tests run on the Redis cache (the locmem fallback: tests/test_embedded_fallback.py)"
    )
    client.delete(api_calls_key(tenant_id=tenant.pk, day=day))


@pytest.fixture(autouse=True)
def _fresh_counters(acme, globex):
    for tenant in (acme, globex):
        clear_counter(tenant)
    yield
    for tenant in (acme, globex):
        clear_counter(tenant)


# --- Counter ------------------------------------------------------------------------------------


def test_counter_is_the_same_key_from_any_schema(acme):
    assert api_call_count(tenant=acme) == 1
    with tenant_context(acme):
        assert api_call_count(tenant=acme) == 2
        assert api_calls_today(tenant=acme) == 2
    assert api_calls_today(tenant=acme) == 2
    assert _redis().ttl(api_calls_key(tenant_id=acme.pk, day=TODAY)) > 2 * 86400


def test_authenticated_api_calls_are_counted_per_tenant(acme, globex, acme_client, acme_member):
    acme_client.force_login(acme_member)
    for _ in range(3):
        assert acme_client.get("/api/v1/tenant/").status_code == 200
    assert api_calls_today(tenant=acme) == 3 and api_calls_today(tenant=globex) == 0


def test_anonymous_and_refused_calls_cost_nothing(acme, acme_client, globex_member):
    assert acme_client.get("/api/v1/tenant/").status_code in (401, 403)
    acme_client.force_login(globex_member)
    assert acme_client.get("/api/v1/tenant/").status_code == 403
    assert api_calls_today(tenant=acme) == 0


def test_platform_api_is_not_counted(platform_client, platform_superuser, acme):
    platform_client.force_login(platform_superuser)
    platform_client.get("/api/platform/v1/")
    assert api_calls_today(tenant=acme) == 0


# --- Quota --------------------------------------------------------------------------------------


def test_calls_beyond_the_daily_quota_get_429(acme, acme_client, acme_member):
    Tenant.objects.filter(pk=acme.pk).update(api_calls_per_day=2)
    acme_client.force_login(acme_member)
    assert [acme_client.get("/api/v1/tenant/").status_code for _ in range(2)] == [200, 200]
    response = acme_client.get("/api/v1/tenant/")
    assert response.status_code == 429
    body = response.json()
    tomorrow = dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    assert body["code"] == "api_quota_exceeded" and body["limit"] == 2
    assert body["resets_at"] == tomorrow.isoformat().replace("+00:00", "Z")
    assert "2 API calls for today" in body["detail"]
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 86400
    assert abs(retry_after - (tomorrow - timezone.now()).total_seconds()) < 5


def test_quota_is_per_tenant(acme, globex, acme_client, globex_client, acme_member, globex_member):
    Tenant.objects.filter(pk=acme.pk).update(api_calls_per_day=1)
    acme_client.force_login(acme_member)
    acme_client.get("/api/v1/tenant/")
    assert acme_client.get("/api/v1/tenant/").status_code == 429
    globex_client.force_login(globex_member)
    assert globex_client.get("/api/v1/tenant/").status_code == 200


def test_raised_quota_applies_at_once(acme, acme_client, acme_member):
    Tenant.objects.filter(pk=acme.pk).update(api_calls_per_day=1)
    acme_client.force_login(acme_member)
    acme_client.get("/api/v1/tenant/")
    assert acme_client.get("/api/v1/tenant/").status_code == 429
    Tenant.objects.filter(pk=acme.pk).update(api_calls_per_day=100)
    assert acme_client.get("/api/v1/tenant/").status_code == 200


# --- Seats follow the plan ------------------------------------------------------------------------


def test_member_beyond_max_users_of_the_new_plan_refused(acme, acme_admin):
    from apps.tenancy.lifecycle import tenant_plan_change

    seats = Membership.objects.filter(tenant=acme, status__in=["active", "suspended"]).count()
    plan = Plan.objects.create(name="b-tiny", display_name="Tiny", max_users=seats + 1, api_calls_per_day=10)
    tenant_plan_change(tenant=acme, plan=plan, acting_user=None)
    membership_create(user=UserFactory(), tenant=acme, role=Membership.Role.MEMBER, acting_user=acme_admin)
    with pytest.raises(ValidationError) as exc:
        membership_create(user=UserFactory(), tenant=acme, role=Membership.Role.MEMBER, acting_user=acme_admin)
    assert exc.value.code == "max_users_reached" and f"limit of {seats + 1} users" in exc.value.message
    assert Membership.objects.filter(tenant=acme).count() == seats + 1


# --- Daily roll-up ------------------------------------------------------------------------------


def sent_email(tenant: Tenant, at: dt.datetime) -> EmailDelivery:
    return EmailDelivery.objects.create(
        recipient="x@example.test", template="invitation", tenant=tenant, status=EmailDelivery.Status.SENT, sent_at=at
    )


def test_aggregate_writes_a_row_per_tenant(acme, globex, acme_admin, acme_member):
    MembershipFactory(tenant=acme, status=Membership.Status.SUSPENDED)
    noon = dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC)
    sent_email(acme, noon)
    sent_email(acme, noon)
    sent_email(acme, noon - dt.timedelta(days=1))  # another day
    EmailDelivery.objects.create(recipient="y@example.test", template="invitation", tenant=acme)  # queued
    for _ in range(5):
        api_call_count(tenant=acme)
    written = usage_aggregate(day=TODAY)
    assert (
        written
        == Tenant.objects.filter(status__in=["active", "suspended"], is_template=False)
        .exclude(schema_name="public")
        .count()
    )
    row = TenantUsageDaily.objects.get(tenant=acme, date=TODAY)
    assert (row.active_users, row.emails_sent, row.api_calls, row.whatsapp_messages_sent) == (
        2,
        2,
        5,
        0,
    )  # no WhatsApp message sent (the notifications hook answers 0)
    acme_bytes = _storage_bytes_by_schema([acme.schema_name])[acme.schema_name]
    assert acme_bytes > 0 and row.storage_used_gb == _gb(acme_bytes)  # GB to 3 places: a small schema is 0.000
    acme.refresh_from_db()
    assert acme.current_users == 3  # seats: active and suspended members
    assert acme.current_storage_gb == row.storage_used_gb
    assert TenantUsageDaily.objects.get(tenant=globex, date=TODAY).api_calls == 0
    assert not TenantUsageDaily.objects.filter(tenant__is_template=True).exists()
    assert not TenantUsageDaily.objects.filter(tenant__schema_name="public").exists()


def test_aggregate_is_idempotent_and_overwrites(acme, acme_member):
    usage_aggregate(day=TODAY)
    api_call_count(tenant=acme)
    MembershipFactory(tenant=acme)
    usage_aggregate(day=TODAY)
    rows = TenantUsageDaily.objects.filter(tenant=acme, date=TODAY)
    assert rows.count() == 1
    assert (rows[0].api_calls, rows[0].active_users) == (1, 2)


def test_rerun_after_the_counter_expired_keeps_the_recorded_calls(acme):
    old_day = TODAY - dt.timedelta(days=10)
    clear_counter(acme, old_day)
    TenantUsageDaily.objects.create(tenant=acme, date=old_day, api_calls=42)
    usage_aggregate(day=old_day)
    assert TenantUsageDaily.objects.get(tenant=acme, date=old_day).api_calls == 42


def test_archived_and_requested_tenants_are_skipped(acme):
    Tenant.objects.filter(pk=acme.pk).update(status=Tenant.Status.ARCHIVED)
    usage_aggregate(day=TODAY)
    assert not TenantUsageDaily.objects.filter(tenant=acme).exists()


def _extra_tenants(first: int, count: int) -> None:
    for n in range(first, first + count):
        slug = f"usage-{n:02d}"
        tenant = Tenant.objects.create(name=slug, slug=slug, schema_name=f"t_usage_{n:02d}", status="active")
        MembershipFactory(tenant=tenant)
        sent_email(tenant, timezone.now())


def _queries_of_aggregate() -> int:
    with CaptureQueriesContext(connection) as ctx:
        usage_aggregate(day=TODAY)
    return len(ctx.captured_queries)


def test_storage_is_the_size_of_each_schema(acme, globex):
    sizes = _storage_bytes_by_schema([acme.schema_name, globex.schema_name, "t_no_such_schema"])
    assert set(sizes) == {acme.schema_name, globex.schema_name} and all(size > 0 for size in sizes.values())
    assert _gb(3 * 1024**3 // 2) == Decimal("1.500")


def test_query_count_does_not_grow_with_tenants(django_assert_max_num_queries):
    _extra_tenants(0, 3)
    with_3 = _queries_of_aggregate()
    _extra_tenants(3, 7)
    with django_assert_max_num_queries(with_3):
        usage_aggregate(day=TODAY)
    assert with_3 <= 11  # one per hooked count (emails, WhatsApp messages) among them


# --- Series -------------------------------------------------------------------------------------


def test_series_has_one_point_per_day_oldest_first(acme, globex):
    TenantUsageDaily.objects.create(tenant=acme, date=TODAY, api_calls=7, storage_used_gb=Decimal("0.5"))
    TenantUsageDaily.objects.create(tenant=acme, date=TODAY - dt.timedelta(days=89), emails_sent=3)
    TenantUsageDaily.objects.create(tenant=acme, date=TODAY - dt.timedelta(days=90), emails_sent=99)  # too old
    TenantUsageDaily.objects.create(tenant=globex, date=TODAY, api_calls=1000)
    series = usage_series(tenant=acme)
    assert len(series) == 90
    assert series[0].date == TODAY - dt.timedelta(days=89) and series[0].emails_sent == 3
    assert series[-1].date == TODAY and series[-1].api_calls == 7 and series[-1].storage_used_gb == Decimal("0.5")
    assert sum(point.api_calls for point in series) == 7
    assert usage_series(tenant=acme, days=7)[0].date == TODAY - dt.timedelta(days=6)
