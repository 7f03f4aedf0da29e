"""Retention: old operational rows leave in batches, a tenant under legal hold keeps everything, staff see it."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.backups.models import LegalHold, RetentionRun
from apps.backups.retention import RetentionKind, retention_kinds, retention_sweep
from apps.notifications.models import Notification

pytestmark = pytest.mark.django_db
KIND = RetentionKind("notifications", "Notifications", 30, ("notifications.Notification",))


def _notifications(schema: str, user, *, old: int, new: int) -> None:
    now = timezone.now()
    with schema_context(schema):
        Notification.objects.bulk_create(
            Notification(
                recipient=user, recipient_key=f"u:{user.pk}", event="test.event", event_key=f"{schema}-{n}",
                category="test", title="t", created_at=now - timedelta(days=40 if n < old else 1),
            )
            for n in range(old + new)
        )  # fmt: skip


def _left(schema: str) -> int:
    with schema_context(schema):
        return Notification.objects.filter(event="test.event").count()


def test_the_sweep_removes_expired_rows_in_batches_and_skips_held_tenants(
    acme, globex, acme_member, globex_member, platform_superuser
):
    _notifications(acme.schema_name, acme_member, old=5, new=2)
    _notifications(globex.schema_name, globex_member, old=3, new=1)
    LegalHold.objects.create(tenant=globex, kind="", reason="litigation 2026-14", placed_by=platform_superuser)
    run = retention_sweep(KIND, batch=2)
    assert _left(acme.schema_name) == 2
    assert _left(globex.schema_name) == 4  # held: nothing swept
    assert run.rows_removed >= 5 and run.tenants_held == 1 and run.finished_at and not run.errors


def test_a_released_or_other_kind_hold_does_not_protect(acme, acme_member, platform_superuser):
    _notifications(acme.schema_name, acme_member, old=2, new=0)
    LegalHold.objects.create(tenant=acme, kind="tasks", reason="tasks only", placed_by=platform_superuser)
    LegalHold.objects.create(tenant=acme, reason="over", placed_by=platform_superuser, released_at=timezone.now())
    retention_sweep(KIND)
    assert _left(acme.schema_name) == 0


def test_every_kind_has_a_period_or_says_who_sets_it():
    kinds = {kind.name: kind for kind in retention_kinds()}
    assert kinds["audit"].days == 7 * 365 and kinds["technical_logs"].days == 90
    assert kinds["attendance"].days == 3 * 365 and kinds["chat"].days is None


def test_staff_place_a_hold_audited_and_see_the_report(client, acme, platform_superuser, acme_admin):
    client.force_login(platform_superuser)
    response = client.post(
        "/admin/backups/legalhold/add/", {"tenant": acme.pk, "kind": "", "reason": "regulator inquiry"},
        HTTP_HOST="localhost",
    )  # fmt: skip
    assert response.status_code == 302, response.content[:2000]
    hold = LegalHold.objects.get(tenant=acme)
    assert hold.placed_by == platform_superuser
    assert AuditEvent.objects.filter(action="legal_hold.placed", tenant=acme).exists()
    RetentionRun.objects.create(kind="notifications", started_at=timezone.now(), rows_removed=12)
    page = client.get("/admin/backups/retentionrun/", HTTP_HOST="localhost")
    assert page.status_code == 200
    assert b"regulator inquiry" in page.content and b"1095 days" in page.content


def test_a_tenant_admin_cannot_reach_the_staff_pages(client, acme_admin):
    client.force_login(acme_admin)
    response = client.get("/admin/backups/legalhold/", HTTP_HOST="localhost")
    assert response.status_code in (302, 403)
    assert not acme_admin.has_perm("backups.add_legalhold")
    assert Permission.objects.filter(codename="add_legalhold").exists()
