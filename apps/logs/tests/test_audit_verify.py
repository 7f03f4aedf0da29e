"""Nightly audit_verify: quiet on intact chains; alert, error log and email on a broken one."""

import pytest
from django.core import mail
from django.db import connection

from apps.audit.services import audit_record
from apps.logs.models import ApplicationError, OperationalAlert
from apps.logs.services import audit_verify_nightly, operational_alert_resolve
from apps.logs.tasks import audit_verify

pytestmark = pytest.mark.django_db


def _break_chain(tenant) -> int:
    events = [audit_record(action=f"logs.step.{i}", tenant=tenant, after={"n": i}) for i in range(3)]
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update_delete")
        cursor.execute("UPDATE audit_auditevent SET after = '{\"n\": 99}' WHERE id = %s", [events[1].id])
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_update_delete")
    return events[1].id


def test_intact_chains_raise_nothing(acme, platform_superuser, django_capture_on_commit_callbacks):
    audit_record(action="logs.ok", tenant=acme)
    with django_capture_on_commit_callbacks(execute=True):
        result = audit_verify.apply().get()
    assert result["broken"] == 0 and result["chains"] >= 1
    assert not OperationalAlert.objects.exists() and mail.outbox == []


def test_a_broken_chain_raises_one_alert_logs_it_and_emails_super_admins(
    acme, platform_superuser, support_staff, django_capture_on_commit_callbacks
):
    event_id = _break_chain(acme)
    with django_capture_on_commit_callbacks(execute=True):
        result = audit_verify_nightly()
    assert result["broken"] == 1 and result["alerts"] == 1
    alert = OperationalAlert.objects.get()
    assert alert.kind == "audit_chain_broken" and alert.key == f"audit:{acme.pk}"
    assert f"id={event_id}" in alert.message and alert.severity == "critical"
    assert ApplicationError.objects.filter(source="alert", path__startswith="alert:audit_chain_broken").exists()
    assert [m.to for m in mail.outbox] == [[platform_superuser.email]]  # support staff are not paged
    assert "Audit chain broken" in mail.outbox[0].subject

    with django_capture_on_commit_callbacks(execute=True):
        again = audit_verify_nightly()
    assert again["broken"] == 1 and again["alerts"] == 0 and len(mail.outbox) == 1  # still open: no repeat

    operational_alert_resolve(alert=alert, acting_user=platform_superuser)
    assert audit_verify_nightly()["alerts"] == 1  # still broken after being resolved: raised again
