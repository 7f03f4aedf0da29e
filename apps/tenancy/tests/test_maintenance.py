"""Maintenance beat tasks: scheduled by data migrations, idempotent, and run from any schema."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_tenants.utils import tenant_context

from apps.security.models import UserSession
from apps.security.tasks import cleanup_expired_sessions
from apps.tenancy.domains import domain_add, verification_record_name
from apps.tenancy.maintenance import aggregate_usage, reverify_domains
from apps.tenancy.models import Domain, Tenant, TenantUsageDaily

from .local_dns import dns_server_running

pytestmark = pytest.mark.django_db


@pytest.fixture
def dns_server(settings):
    yield from dns_server_running(settings)


TASKS = ["security.cleanup_expired_sessions", "invitations.expire_due", "tenancy.aggregate_usage",
         "tenancy.reverify_domains"]  # fmt: skip


@pytest.mark.parametrize("name", TASKS)
def test_each_task_is_scheduled_in_beat_and_registered(name):
    from config.celery import app

    periodic = PeriodicTask.objects.get(name=name)
    assert periodic.task == name and periodic.enabled and periodic.description
    app.loader.import_default_modules()  # Celery's autodiscovery, as a worker does at start
    assert name in app.tasks


def test_usage_runs_nightly_at_00_15_utc():
    crontab = PeriodicTask.objects.get(name="tenancy.aggregate_usage").crontab
    assert (crontab.minute, crontab.hour, str(crontab.timezone)) == ("15", "0", "UTC")


# --- Sessions -----------------------------------------------------------------------------------


def _tracked(user, key: str, expires_at: dt.datetime, **fields) -> UserSession:
    return UserSession.objects.create(user=user, session_key=key, expires_at=expires_at, **fields)


def test_cleanup_expired_sessions(acme, acme_member):
    now = timezone.now()
    Session.objects.create(session_key="b-expired", session_data="", expire_date=now - dt.timedelta(minutes=1))
    Session.objects.create(session_key="b-live", session_data="", expire_date=now + dt.timedelta(hours=1))
    expired = _tracked(acme_member, "b-expired", now - dt.timedelta(minutes=1))
    live = _tracked(acme_member, "b-live", now + dt.timedelta(hours=1))
    signed_out = _tracked(acme_member, "b-gone", now - dt.timedelta(days=1), revoked_at=now - dt.timedelta(days=2),
                          end_reason=UserSession.EndReason.SIGNED_OUT)  # fmt: skip
    with tenant_context(acme):  # sent from a tenant's schema: the task still works on public
        assert cleanup_expired_sessions() == 1
    assert list(Session.objects.filter(session_key__startswith="b-").values_list("session_key", flat=True)) == [
        "b-live"
    ]
    expired.refresh_from_db(), live.refresh_from_db(), signed_out.refresh_from_db()
    assert expired.end_reason == "expired" and expired.revoked_at == expired.expires_at
    assert live.revoked_at is None and signed_out.end_reason == "signed_out"
    assert cleanup_expired_sessions() == 0  # idempotent


# --- Usage --------------------------------------------------------------------------------------


def test_aggregate_usage_defaults_to_yesterday_and_today(acme):
    today = timezone.now().astimezone(dt.UTC).date()
    with tenant_context(acme):
        result = aggregate_usage()
    assert set(result) == {str(today - dt.timedelta(days=1)), str(today)}
    assert set(TenantUsageDaily.objects.filter(tenant=acme).values_list("date", flat=True)) == {
        today - dt.timedelta(days=1),
        today,
    }
    count = TenantUsageDaily.objects.count()
    aggregate_usage()
    assert TenantUsageDaily.objects.count() == count  # idempotent


def test_aggregate_usage_for_one_day(acme):
    assert aggregate_usage(day="2026-01-02")["2026-01-02"] >= 2
    assert TenantUsageDaily.objects.filter(tenant=acme, date=dt.date(2026, 1, 2)).count() == 1


# --- Domains ------------------------------------------------------------------------------------


def test_reverify_domains(dns_server, acme):
    shop = domain_add(tenant=acme, domain="shop.acme-corp.test", acting_user=None)
    stale = domain_add(tenant=acme, domain="old.acme-corp.test", acting_user=None)
    Domain.objects.filter(pk=stale.pk).update(
        verification_status="verified",
        verified_at=timezone.now(),
        last_checked_at=timezone.now() - dt.timedelta(days=30),
    )
    recent = domain_add(tenant=acme, domain="new.acme-corp.test", acting_user=None)
    Domain.objects.filter(pk=recent.pk).update(verification_status="verified", last_checked_at=timezone.now())
    dns_server.records[verification_record_name(shop)] = [shop.verification_token]
    with tenant_context(acme):
        assert reverify_domains() == {"checked": 2, "verified": 1}
    assert Domain.objects.get(pk=shop.pk).is_verified
    assert not Domain.objects.get(pk=stale.pk).is_verified  # its record is gone: it stops routing
    assert Domain.objects.get(pk=recent.pk).is_verified  # not due: not looked up
    assert "new.acme-corp.test" not in " ".join(dns_server.queries)
    assert reverify_domains() == {"checked": 1, "verified": 0}  # only the now-unverified one is due again


def test_reverify_skips_tenants_not_live(dns_server, acme):
    domain_add(tenant=acme, domain="shop.acme-corp.test", acting_user=None)
    Tenant.objects.filter(pk=acme.pk).update(status=Tenant.Status.ARCHIVED)
    assert reverify_domains() == {"checked": 0, "verified": 0}
