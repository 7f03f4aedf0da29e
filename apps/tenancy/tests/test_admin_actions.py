from datetime import timedelta

import pytest
from django.contrib.admin import helpers
from django.utils import timezone

from apps.tenancy.lifecycle import tenant_request
from apps.tenancy.models import ProvisioningJob, Tenant
from apps.tenancy.provisioning import provisioning_steps
from apps.tenancy.tasks import provision_tenant

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/tenancy/tenant/"


@pytest.fixture
def staff(platform_client, platform_superuser):
    platform_client.force_login(platform_superuser)
    return platform_client


def _action(client, action, tenants, **extra):
    data = {"action": action, helpers.ACTION_CHECKBOX_NAME: [str(t.pk) for t in tenants], **extra}
    return client.post(CHANGELIST, data)


def test_suspend_asks_for_confirmation_then_suspends(staff, acme):
    page = _action(staff, "suspend_tenants", [acme])
    assert page.status_code == 200
    assert "admin/tenancy/confirm_action.html" in [t.name for t in page.templates]
    assert Tenant.objects.get(pk=acme.pk).status == "active"
    missing_reason = _action(staff, "suspend_tenants", [acme], confirm="yes", reason="")
    assert missing_reason.status_code == 200 and "This field is required" in missing_reason.content.decode()
    done = _action(staff, "suspend_tenants", [acme], confirm="yes", reason="Unpaid invoice")
    assert done.status_code == 302
    acme.refresh_from_db()
    assert (acme.status, acme.suspension_reason) == ("suspended", "Unpaid invoice")


def test_refusals_are_reported_per_tenant(staff, acme, globex):
    Tenant.objects.filter(pk=globex.pk).update(status="suspended")
    response = _action(staff, "reactivate_tenants", [acme, globex], confirm="yes")
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Acme is active; it cannot become active." in m for m in messages)
    assert Tenant.objects.get(pk=globex.pk).status == "active"


def test_archive_then_delete_after_grace(staff, acme, monkeypatch):
    sent = []
    monkeypatch.setattr("apps.tenancy.lifecycle._enqueue_schema_drop", sent.append)
    _action(staff, "archive_tenants", [acme], confirm="yes", reason="Left")
    assert Tenant.objects.get(pk=acme.pk).status == "archived"
    early = _action(staff, "delete_tenants", [acme], confirm="yes")
    assert any("grace period" in str(m) for m in early.wsgi_request._messages)
    Tenant.objects.filter(pk=acme.pk).update(delete_after=timezone.now() - timedelta(seconds=1))
    _action(staff, "delete_tenants", [acme], confirm="yes")
    assert Tenant.objects.get(pk=acme.pk).status == "deleted"


def test_change_plan(staff, acme, starter):
    _action(staff, "change_plan", [acme], confirm="yes", plan=str(starter.pk))
    assert Tenant.objects.get(pk=acme.pk).plan == starter


def test_retry_provisioning(staff, no_enqueue, monkeypatch):
    from apps.tenancy import provisioning

    def broken(*, job, tenant):
        raise RuntimeError("boom")

    job = tenant_request(name="Initech", slug="initech", acting_user=None)
    with monkeypatch.context() as m:
        m.setitem(provisioning._REGISTRY, "mark_active", provisioning.Step("mark_active", 1000, broken))
        provision_tenant(job.pk)
    assert Tenant.objects.get(pk=job.tenant_id).status == "failed"
    _action(staff, "retry_provisioning", [job.tenant], confirm="yes")
    assert ProvisioningJob.objects.get(pk=job.pk).status == "pending"
    provision_tenant(job.pk)
    assert Tenant.objects.get(pk=job.tenant_id).status == "active"


def test_support_cannot_run_actions(platform_client, support_staff, acme):
    platform_client.force_login(support_staff)
    assert platform_client.get(CHANGELIST).status_code == 200
    response = _action(platform_client, "suspend_tenants", [acme], confirm="yes", reason="x")
    assert Tenant.objects.get(pk=acme.pk).status == "active"
    assert response.status_code in (200, 302, 403)
    assert platform_client.get("/admin/tenancy/tenant/request/").status_code == 403


def test_new_tenant_form_progress_and_status(staff, no_enqueue, starter):
    form = staff.get("/admin/tenancy/tenant/request/")
    assert form.status_code == 200
    bad = staff.post("/admin/tenancy/tenant/request/", {"name": "Big", "slug": "bigco", "time_zone": "UTC",
                                                        "isolation_level": "dedicated_database"})  # fmt: skip
    assert bad.status_code == 200 and "Dedicated databases are not available yet." in bad.content.decode()
    dup = staff.post("/admin/tenancy/tenant/request/", {"name": "A", "slug": "acme", "time_zone": "UTC",
                                                        "isolation_level": "schema"})  # fmt: skip
    assert dup.status_code == 200 and not Tenant.objects.filter(name="A").exists()
    response = staff.post("/admin/tenancy/tenant/request/", {
        "name": "Initech", "slug": "initech", "plan": starter.pk, "admin_email": "boss@initech.test",
        "time_zone": "UTC", "isolation_level": "schema",
    })  # fmt: skip
    job = ProvisioningJob.objects.get(tenant__slug="initech")
    assert response.status_code == 302 and response["Location"] == f"/admin/tenancy/tenant/jobs/{job.pk}/progress/"
    assert staff.get(response["Location"]).status_code == 200
    status_url = f"/admin/tenancy/tenant/jobs/{job.pk}/status/"
    assert staff.get(status_url).json()["status"] == "pending"
    provision_tenant(job.pk)
    data = staff.get(status_url).json()
    assert (data["status"], data["tenant_status"]) == ("succeeded", "active")
    assert len(data["steps"]) == len(provisioning_steps())


@pytest.mark.parametrize("who", ["acme_admin", "globex_member"])
def test_tenant_members_are_refused_the_staff_pages(platform_client, who, request, acme):
    platform_client.force_login(request.getfixturevalue(who))
    for url in ["/admin/tenancy/tenant/request/", "/admin/tenancy/tenant/jobs/1/status/"]:
        assert platform_client.get(url).status_code == 302  # to the admin login
