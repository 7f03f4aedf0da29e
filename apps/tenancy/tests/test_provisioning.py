import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context, schema_exists

from apps.audit.models import AuditEvent
from apps.invitations.models import Invitation
from apps.organisation.models import Entity
from apps.tenancy.lifecycle import provisioning_job_retry, tenant_request
from apps.tenancy.models import Domain, ProvisioningJob, ProvisioningStep, Tenant
from apps.tenancy.provisioning import provisioning_steps
from apps.tenancy.tasks import provision_tenant

pytestmark = pytest.mark.django_db

STEPS = [
    "clone_schema", "primary_domain", "security_policy", "create_root_entity", "default_roles",
    "default_security_policy", "signup_admin", "invite_first_admin", "activate_integrations", "start_subscription",
    "mark_active",
]  # fmt: skip


def _request(slug="initech", **kwargs):
    return tenant_request(name="Initech", slug=slug, admin_email="boss@initech.test", acting_user=None, **kwargs)


def _assert_provisioned_once(tenant: Tenant) -> None:
    assert schema_exists(tenant.schema_name)
    assert Domain.objects.filter(tenant=tenant).count() == 1
    assert Domain.objects.get(tenant=tenant).domain == "initech.localhost"
    assert Invitation.objects.filter(tenant=tenant).count() == 1
    with schema_context(tenant.schema_name):
        assert list(Entity.objects.values_list("name", "entity_type__code")) == [("Initech", "enterprise")]


def test_registered_steps_run_in_order():
    assert [step.name for step in provisioning_steps()] == STEPS


def test_request_enqueues_after_commit_from_public(django_capture_on_commit_callbacks, monkeypatch, starter):
    sent = []
    monkeypatch.setattr(provision_tenant, "delay", lambda job_id: sent.append(job_id))
    with django_capture_on_commit_callbacks(execute=True):
        job = _request(plan=starter)
    assert sent == [job.pk]
    tenant = job.tenant
    assert (tenant.status, tenant.max_users, tenant.plan) == (Tenant.Status.REQUESTED, 25, starter)
    assert AuditEvent.objects.filter(target_id=str(tenant.pk), action="tenant.requested").exists()


def test_happy_path_through_the_task(no_enqueue, starter, django_capture_on_commit_callbacks):
    job = _request(plan=starter)
    with django_capture_on_commit_callbacks(execute=False):
        assert provision_tenant(job.pk) == "succeeded"
    job.refresh_from_db()
    tenant = Tenant.objects.get(pk=job.tenant_id)
    assert (job.status, job.attempts, tenant.status) == ("succeeded", 1, "active")
    steps = list(job.steps.values_list("name", "status"))
    assert steps == [(name, "succeeded") for name in STEPS]
    assert all(s.started_at and s.finished_at for s in job.steps.all())
    _assert_provisioned_once(tenant)
    invitation = Invitation.objects.get(tenant=tenant)
    assert (invitation.email, invitation.role) == ("boss@initech.test", "tenant_admin")
    actions = set(AuditEvent.objects.filter(target_id=str(tenant.pk)).values_list("action", flat=True))
    assert {"tenant.requested", "tenant.provisioning_started", "tenant.activated"} <= actions
    # Running it again does nothing more.
    assert provision_tenant(job.pk) == "succeeded"
    _assert_provisioned_once(tenant)


def test_security_policy_step_applies_the_plan_flag(no_enqueue, tiny_plan):
    job = tenant_request(name="Initech", slug="initech", plan=tiny_plan, acting_user=None)
    provision_tenant(job.pk)
    assert Tenant.objects.get(pk=job.tenant_id).mfa_required is True


def test_failing_step_then_retry(no_enqueue, monkeypatch, platform_superuser):
    job = _request()
    calls = {"n": 0}

    def broken(*, job, tenant):
        calls["n"] += 1
        raise RuntimeError("entity service down")

    from apps.tenancy import provisioning

    monkeypatch.setitem(provisioning._REGISTRY, "create_root_entity",
                        provisioning.Step("create_root_entity", 40, broken))  # fmt: skip
    assert provision_tenant(job.pk) == "failed"
    job.refresh_from_db()
    tenant = Tenant.objects.get(pk=job.tenant_id)
    assert (tenant.status, tenant.failed_step) == ("failed", "create_root_entity")
    assert "entity service down" in tenant.failure_error and "create_root_entity" in job.error
    step = job.steps.get(name="create_root_entity")
    assert step.status == "failed" and "RuntimeError" in step.error
    assert job.steps.get(name="invite_first_admin").status == "pending"

    monkeypatch.undo()
    no_enqueue_after = []
    monkeypatch.setattr("apps.tenancy.lifecycle._enqueue_provisioning", no_enqueue_after.append)
    provisioning_job_retry(job=job, acting_user=platform_superuser)
    assert Tenant.objects.get(pk=tenant.pk).status == "provisioning"
    assert provision_tenant(job.pk) == "succeeded"
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("succeeded", 2)
    _assert_provisioned_once(Tenant.objects.get(pk=tenant.pk))


def test_retry_refuses_a_job_that_did_not_fail(no_enqueue, platform_superuser):
    job = _request()
    with pytest.raises(ValidationError) as exc:
        provisioning_job_retry(job=job, acting_user=platform_superuser)
    assert exc.value.code == "invalid_transition"


def test_job_interrupted_mid_way_finishes_without_duplicates(no_enqueue, monkeypatch):
    """A worker killed during step k leaves step k "running"; the redelivered task finishes the job."""
    job = _request()
    from apps.tenancy import provisioning

    def killed(*, job, tenant):
        raise KeyboardInterrupt  # stands in for SIGKILL: nothing after this line runs

    monkeypatch.setitem(provisioning._REGISTRY, "invite_first_admin",
                        provisioning.Step("invite_first_admin", 60, killed))  # fmt: skip
    with pytest.raises(KeyboardInterrupt):
        provision_tenant(job.pk)
    assert job.steps.get(name="invite_first_admin").status == "running"
    assert ProvisioningJob.objects.get(pk=job.pk).status == "running"
    monkeypatch.undo()
    monkeypatch.setattr("apps.tenancy.lifecycle._enqueue_provisioning", lambda job_id: None)
    assert provision_tenant(job.pk) == "succeeded"
    assert ProvisioningJob.objects.get(pk=job.pk).attempts == 2
    _assert_provisioned_once(Tenant.objects.get(pk=job.tenant_id))


def test_half_made_schema_is_dropped_and_cloned_again(no_enqueue):
    job = _request()
    tenant = job.tenant
    from django.db import connection

    with connection.cursor() as cursor:  # a schema a dead worker left with only some tables
        cursor.execute(f'CREATE SCHEMA "{tenant.schema_name}"')
        cursor.execute(f'CREATE TABLE "{tenant.schema_name}".organisation_entity (id int)')
    assert provision_tenant(job.pk) == "succeeded"
    _assert_provisioned_once(Tenant.objects.get(pk=tenant.pk))


def test_steps_re_run_are_idempotent(no_enqueue):
    job = _request()
    provision_tenant(job.pk)
    tenant = Tenant.objects.get(pk=job.tenant_id)
    for step in provisioning_steps():
        step.run(job=job, tenant=tenant)
    _assert_provisioned_once(tenant)


def test_a_second_worker_does_not_run_a_locked_job(no_enqueue):
    job = _request()
    from django.db import connections

    other = connections.create_connection("default")  # another worker's session holds the lock
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [f"tenancy.provision:{job.pk}"])
        assert provision_tenant(job.pk) == "locked"
        assert ProvisioningStep.objects.filter(job=job).count() == 0
    finally:
        other.close()
