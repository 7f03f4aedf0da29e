"""A subscription from day one: every way a tenant is created ends with exactly one current subscription
(trialing for the plan's trial days, otherwise active with its first invoice), and nothing runs twice."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.billing.models import LIVE_STATUSES, Invoice, Subscription, SubscriptionChange
from apps.billing.provisioning import start_subscription
from apps.billing.start import default_plan, subscription_start, subscriptions_ensure, tenants_without_subscription
from apps.core.events import subscribe, unsubscribe
from apps.tenancy.lifecycle import tenant_request
from apps.tenancy.models import ProvisioningJob, Tenant
from apps.tenancy.provisioning import provisioning_steps
from apps.tenancy.services import tenant_create
from apps.tenancy.tasks import provision_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def trial_plan(plan_factory):
    return plan_factory("trial-pro", price_monthly=Decimal("99.00"), trial_days=14, display_order=10)


@pytest.fixture
def no_enqueue(monkeypatch):
    """The job is run by the test (provision_tenant), not sent to Celery."""
    monkeypatch.setattr("apps.tenancy.lifecycle._enqueue_provisioning", lambda job_id: None)


@pytest.fixture
def staff(platform_client, platform_superuser):
    platform_client.force_login(platform_superuser)
    return platform_client


def _live(tenant: Tenant) -> list[Subscription]:
    return list(Subscription.objects.filter(tenant=tenant, status__in=LIVE_STATUSES))


def _assert_one_trial(tenant: Tenant, plan) -> Subscription:
    [subscription] = _live(tenant)
    assert (subscription.plan, subscription.status, subscription.provider) == (plan, "trialing", "manual")
    assert subscription.trial_end is not None
    assert abs(subscription.trial_end - (timezone.now() + timedelta(days=14))) < timedelta(minutes=5)
    tenant.refresh_from_db()
    assert (tenant.plan, tenant.plan_status) == (plan, "trial")
    assert not Invoice.objects.filter(tenant=tenant).exists()  # nothing is billed during the trial
    return subscription


def test_the_billing_step_runs_after_the_schema_and_before_mark_active():
    names = [step.name for step in provisioning_steps()]
    assert names.index("clone_schema") < names.index("start_subscription") < names.index("mark_active")


def test_admin_add_form_then_the_job_gives_one_trial_subscription(staff, no_enqueue, trial_plan):
    response = staff.post("/admin/tenancy/tenant/request/", {
        "name": "Initech", "slug": "initech", "plan": str(trial_plan.pk), "admin_email": "boss@initech.test",
        "time_zone": "UTC", "isolation_level": "schema",
    })  # fmt: skip
    assert response.status_code == 302, response.content
    job = ProvisioningJob.objects.get(tenant__slug="initech")
    assert provision_tenant(job.pk) == "succeeded"
    tenant = Tenant.objects.get(slug="initech")
    subscription = _assert_one_trial(tenant, trial_plan)
    assert list(subscription.changes.values_list("kind", flat=True)) == ["created"]
    assert AuditEvent.objects.filter(action="billing.subscription_created", target_id=str(subscription.pk)).exists()


def test_platform_api_tenant_create_then_the_job_gives_one_trial_subscription(staff, no_enqueue, trial_plan):
    body = {"name": "Hooli", "slug": "hooli", "plan": trial_plan.name, "admin_email": "gavin@hooli.test"}
    response = staff.post("/api/platform/v1/tenants/", body, content_type="application/json")
    assert response.status_code == 202, response.content
    provision_tenant(response.json()["job"]["id"])
    _assert_one_trial(Tenant.objects.get(slug="hooli"), trial_plan)


def test_rerunning_the_job_or_the_step_creates_no_second_subscription(no_enqueue, trial_plan):
    job = tenant_request(name="Umbrella", slug="umbrella", plan=trial_plan, acting_user=None)
    provision_tenant(job.pk)
    tenant = Tenant.objects.get(pk=job.tenant_id)
    first = _assert_one_trial(tenant, trial_plan)
    provision_tenant(job.pk)  # a duplicate delivery of the task
    start_subscription(job=job, tenant=tenant)  # the step itself, run again (a retried job re-runs it)
    start_subscription(job=job, tenant=tenant)
    assert _live(tenant) == [first]
    assert Subscription.objects.filter(tenant=tenant).count() == 1
    assert SubscriptionChange.objects.filter(subscription=first).count() == 1


def test_a_plan_without_trial_starts_active_with_its_first_invoice_issued_and_charged(no_enqueue, starter):
    job = tenant_request(name="Stark", slug="stark", plan=starter, acting_user=None)
    provision_tenant(job.pk)
    tenant = Tenant.objects.get(pk=job.tenant_id)
    [subscription] = _live(tenant)
    [invoice] = Invoice.objects.filter(tenant=tenant)
    assert (invoice.billing_reason, invoice.period_start, invoice.total) == (
        "period", subscription.current_period_start, Decimal("49.00"))  # fmt: skip
    # Charged through the gateway at once: no payment method yet, so it failed and dunning took over.
    assert invoice.payment_attempts == 1 and invoice.payments.get().failure_code == "no_payment_method"
    assert subscription.status == "past_due" and invoice.next_payment_attempt_at is not None


def test_a_tenant_without_a_plan_gets_the_default_plan(no_enqueue, starter, trial_plan, settings):
    assert default_plan() == trial_plan  # lowest display order first
    settings.BILLING_DEFAULT_PLAN = "starter"
    assert default_plan() == starter
    settings.BILLING_DEFAULT_PLAN = ""
    job = tenant_request(name="Planless", slug="planless", acting_user=None)
    provision_tenant(job.pk)
    tenant = Tenant.objects.get(pk=job.tenant_id)
    _assert_one_trial(tenant, trial_plan)
    assert tenant.max_users == trial_plan.max_users  # the tenant follows the plan it was given


def test_an_empty_catalogue_starts_nothing_and_provisioning_still_succeeds(no_enqueue, db):
    from apps.tenancy.models import Plan

    Plan.objects.update(is_active=False)
    job = tenant_request(name="Early", slug="early", acting_user=None)
    assert provision_tenant(job.pk) == "succeeded"
    assert _live(Tenant.objects.get(pk=job.tenant_id)) == []


def test_subscription_created_is_published_after_commit(no_enqueue, trial_plan, django_capture_on_commit_callbacks):
    heard: list[tuple[str, list]] = []

    def listener(event, items):
        heard.append((event, items))

    subscribe("subscription.*", listener)
    try:
        tenant = tenant_create(name="Evented", slug="evented", acting_user=None)
        Tenant.objects.filter(pk=tenant.pk).update(plan=trial_plan)
        with django_capture_on_commit_callbacks(execute=True):
            subscription = subscription_start(tenant=tenant)
    finally:
        unsubscribe("subscription.*", listener)
    [(event, [(event_tenant, payload)])] = heard
    assert (event, event_tenant.pk, payload["id"]) == ("subscription.created", tenant.pk, str(subscription.uuid))
    assert (payload["status"], payload["plan"], payload["provider"]) == ("trialing", "trial-pro", "manual")


def test_the_database_allows_one_live_subscription_per_tenant(acme_subscription):
    duplicate = Subscription(tenant=acme_subscription.tenant, plan=acme_subscription.plan, status="trialing",
                             current_period_start=acme_subscription.current_period_start,
                             current_period_end=acme_subscription.current_period_end)  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_ensure_starts_one_for_every_tenant_lacking_it_in_one_query(
    trial_plan, acme, globex, acme_member, django_assert_num_queries
):
    with django_assert_num_queries(1):
        lacking = dict(tenants_without_subscription())
    assert {str(acme.pk), str(globex.pk)} <= set(lacking)
    assert lacking[str(acme.pk)] == 1  # seats in use, counted in the same query
    call_command("billing_subscriptions_ensure", verbosity=0)
    for tenant in (acme, globex):
        _assert_one_trial(tenant, trial_plan)
    assert tenants_without_subscription() == []
    assert subscriptions_ensure() == {"started": 0, "refused": 0, "no_plan": 0}  # idempotent
    template = Tenant.objects.get(is_template=True)
    assert not Subscription.objects.filter(tenant=template).exists()
    assert not Subscription.objects.filter(tenant__schema_name="public").exists()


def test_ensure_leaves_a_tenant_whose_subscription_ended_alone(trial_plan, acme, make_subscription):
    make_subscription(acme, plan=trial_plan, status="ended")
    assert str(acme.pk) not in dict(tenants_without_subscription())
