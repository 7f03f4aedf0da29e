"""Billing alerts: usage near plan limits, cards expiring; each raised and emailed once (dedup_key)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core import mail

from apps.billing import alerts, tasks
from apps.billing.models import AlertKind, BillingAlert
from apps.tenancy.models import Tenant

from .test_payments import billed, card_add

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 10, tzinfo=UTC)


def _usage(tenant: Tenant, **fields) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(**fields)


def test_usage_near_the_user_limit_alerts_once(acme, globex, django_capture_on_commit_callbacks):
    billed(acme)
    _usage(acme, max_users=10, current_users=9, max_storage_gb=Decimal("10"), current_storage_gb=Decimal("1"))
    _usage(globex, max_users=10, current_users=8, max_storage_gb=Decimal("10"), current_storage_gb=Decimal("1"))
    with django_capture_on_commit_callbacks(execute=True):
        first = alerts.alerts_run(now=NOW)
        second = alerts.alerts_run(now=NOW)
    assert first["usage_near_limit"] == 1 and second["usage_near_limit"] == 0
    alert = BillingAlert.objects.get(kind=AlertKind.USAGE_NEAR_LIMIT)
    assert alert.tenant == acme and alert.detail["limit"] == "users"
    assert [m.to for m in mail.outbox] == [["billing@acme.test"]] and "9 of 10 users" in mail.outbox[0].body


def test_storage_near_its_limit_alerts(acme):
    billed(acme)
    _usage(acme, max_users=10, current_users=1, max_storage_gb=Decimal("10"), current_storage_gb=Decimal("9.5"))
    assert alerts.alerts_run(now=NOW)["usage_near_limit"] >= 1
    assert BillingAlert.objects.filter(tenant=acme, detail__limit="storage").count() == 1


def test_card_expiring_within_30_days_alerts_once(acme, globex, django_capture_on_commit_callbacks):
    billed(acme)
    card_add(acme, exp_month=5, exp_year=2026)  # valid through 31 May 2026: 22 days left
    card_add(globex, exp_month=12, exp_year=2026)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.alerts(now=NOW.isoformat())["card_expiring"] == 1
        assert tasks.alerts(now=NOW.isoformat())["card_expiring"] == 0
    assert BillingAlert.objects.get(kind=AlertKind.CARD_EXPIRING).tenant == acme
    assert len(mail.outbox) == 1 and "05/2026" in mail.outbox[0].body


def test_an_expired_card_is_not_expiring(acme):
    card_add(acme, exp_month=1, exp_year=2026)
    assert alerts.alerts_run(now=NOW)["card_expiring"] == 0


def test_alert_raise_deduplicates_by_key(acme):
    kwargs = {"tenant": acme, "kind": AlertKind.PAYMENT_FAILED, "dedup_key": "k:1", "message": "Failed"}
    assert alerts.alert_raise(**kwargs) is not None
    assert alerts.alert_raise(**kwargs) is None
    assert BillingAlert.objects.filter(dedup_key="k:1").count() == 1


def test_no_billing_email_records_the_alert_without_email(acme, django_capture_on_commit_callbacks):
    billed(acme, email="")
    with django_capture_on_commit_callbacks(execute=True):
        alerts.alert_raise(tenant=acme, kind=AlertKind.PAYMENT_FAILED, dedup_key="k:2", message="Failed")
    assert mail.outbox == []
