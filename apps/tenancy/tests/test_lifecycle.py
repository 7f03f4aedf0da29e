from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import schema_exists

from apps.audit.models import AuditEvent
from apps.tenancy.lifecycle import (
    tenant_archive,
    tenant_delete,
    tenant_plan_change,
    tenant_reactivate,
    tenant_request,
    tenant_suspend,
)
from apps.tenancy.models import ProvisioningJob, Tenant
from apps.tenancy.tasks import drop_tenant_schema

pytestmark = pytest.mark.django_db


def _audit_count(tenant):
    return AuditEvent.objects.filter(tenant_id=tenant.pk).count()


def _refused(code, call, tenant):
    before = (Tenant.objects.get(pk=tenant.pk).status, _audit_count(tenant), tenant.history.count())
    with pytest.raises(ValidationError) as exc:
        call()
    assert exc.value.code == code
    assert (Tenant.objects.get(pk=tenant.pk).status, _audit_count(tenant), tenant.history.count()) == before
    return exc.value


def test_suspend_reactivate_archive_reactivate(acme, platform_superuser):
    tenant_suspend(tenant=acme, acting_user=platform_superuser, reason="Unpaid invoice")
    acme.refresh_from_db()
    assert (acme.status, acme.suspension_reason) == ("suspended", "Unpaid invoice") and acme.suspended_at
    assert acme.history.first().history_user == platform_superuser
    event = AuditEvent.objects.filter(tenant_id=acme.pk).order_by("-sequence").first()
    assert (event.action, event.before["status"], event.after["status"]) == ("tenant.suspended", "active", "suspended")
    tenant_reactivate(tenant=acme, acting_user=platform_superuser)
    acme.refresh_from_db()
    assert (acme.status, acme.suspended_at, acme.suspension_reason) == ("active", None, "")
    tenant_archive(tenant=acme, acting_user=platform_superuser, reason="Left")
    acme.refresh_from_db()
    assert acme.status == "archived" and acme.delete_after > timezone.now() + timedelta(days=29)
    # Archived → active within the grace period is an undo.
    tenant_reactivate(tenant=acme, acting_user=platform_superuser)
    acme.refresh_from_db()
    assert (acme.status, acme.delete_after) == ("active", None)


def test_invalid_transitions_are_refused_and_write_nothing(acme, platform_superuser):
    error = _refused("invalid_transition", lambda: tenant_reactivate(tenant=acme, acting_user=platform_superuser), acme)
    assert "Acme is active; it cannot become active." in error.messages
    _refused("invalid_transition", lambda: tenant_delete(tenant=acme, acting_user=platform_superuser), acme)
    _refused("reason_required", lambda: tenant_suspend(tenant=acme, acting_user=platform_superuser, reason=" "), acme)
    Tenant.objects.filter(pk=acme.pk).update(status="deleted")
    _refused("invalid_transition", lambda: tenant_reactivate(tenant=acme, acting_user=platform_superuser), acme)
    _refused("invalid_transition",
             lambda: tenant_archive(tenant=acme, acting_user=platform_superuser, reason="x"), acme)  # fmt: skip


def test_a_provisioning_tenant_cannot_be_reactivated_by_staff(no_enqueue, platform_superuser):
    tenant = tenant_request(name="Initech", slug="initech", acting_user=None).tenant
    _refused("invalid_transition", lambda: tenant_reactivate(tenant=tenant, acting_user=platform_superuser), tenant)
    _refused("invalid_transition",
             lambda: tenant_suspend(tenant=tenant, acting_user=platform_superuser, reason="x"), tenant)  # fmt: skip


def test_dedicated_database_is_refused(no_enqueue, platform_superuser):
    count = Tenant.objects.count()
    with pytest.raises(ValidationError) as exc:
        tenant_request(name="Big", slug="bigco", isolation_level="dedicated_database", acting_user=platform_superuser)
    assert exc.value.code == "isolation_not_available"
    assert exc.value.messages == ["Dedicated databases are not available yet."]
    assert Tenant.objects.count() == count and not ProvisioningJob.objects.filter(tenant__slug="bigco").exists()
    assert no_enqueue == []


@pytest.mark.parametrize(("slug", "field"), [("acme", "slug"), ("admin", "slug"), ("Bad Slug", "slug")])
def test_duplicate_or_reserved_slug_is_refused(no_enqueue, slug, field):
    count = Tenant.objects.count()
    with pytest.raises(ValidationError) as exc:
        tenant_request(name="X", slug=slug, acting_user=None)
    assert field in exc.value.message_dict
    assert Tenant.objects.count() == count


def test_deletion_waits_for_the_grace_period_then_drops_the_schema(
    acme, platform_superuser, no_enqueue, django_capture_on_commit_callbacks
):
    tenant_archive(tenant=acme, acting_user=platform_superuser, reason="Contract ended")
    error = _refused("grace_period", lambda: tenant_delete(tenant=acme, acting_user=platform_superuser), acme)
    assert "grace period" in error.messages[0]
    Tenant.objects.filter(pk=acme.pk).update(delete_after=timezone.now() - timedelta(minutes=1))
    assert drop_tenant_schema(str(acme.pk)) is False  # not deleted yet: the task refuses
    with django_capture_on_commit_callbacks(execute=True):
        tenant_delete(tenant=acme, acting_user=platform_superuser)
    assert no_enqueue == [("drop", str(acme.pk))]
    assert schema_exists("t_acme")
    assert drop_tenant_schema(str(acme.pk)) is True
    assert not schema_exists("t_acme")
    assert drop_tenant_schema(str(acme.pk)) is True  # idempotent
    acme.refresh_from_db()
    assert acme.status == "deleted" and acme.deleted_at
    assert AuditEvent.objects.filter(tenant_id=acme.pk, action="tenant.deleted").exists()


def test_plan_change_copies_limits_and_refuses_too_small(acme, acme_admin, acme_member, starter, tiny_plan,
                                                         platform_superuser):  # fmt: skip
    tenant_plan_change(tenant=acme, plan=starter, acting_user=platform_superuser)
    acme.refresh_from_db()
    assert (acme.plan, acme.max_users, acme.api_calls_per_day) == (starter, 25, 10000)

    def shrink():
        tenant_plan_change(tenant=acme, plan=tiny_plan, acting_user=platform_superuser)

    error = _refused("plan_too_small", shrink, acme)
    assert "has 2 members" in error.messages[0]
    acme.refresh_from_db()
    assert acme.plan == starter
