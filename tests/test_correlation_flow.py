"""One correlation id, followed from the request that creates a tenant through its provisioning job,
subscription, first invoice and payment and the emails they send, into the timeline; and a billing
run of its own id, shared by what it produces.

The Celery leg is the real one up to the broker: the task is published (the `before_task_publish`
signal puts the sender's id in the message headers), then run as a worker would run that message
(no id of its own, the message's headers). The test transaction never commits, so the callbacks a
commit would run inside the request or the task (the task's enqueue, the emails) are played while
that request's or task's id is current, as they are in production (ATOMIC_REQUESTS is off: a
service's transaction commits inside the request or task that called it).
"""

from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from celery import signals

from apps.audit.models import AuditEvent
from apps.billing.models import Invoice, Payment, PaymentMethod, Subscription, SubscriptionChange
from apps.billing.services import subscription_create
from apps.billing.tasks import run as billing_run_task
from apps.core.correlation import correlation_scope, get_correlation_id, reset_correlation_id, set_correlation_id
from apps.core.signals import HEADER
from apps.emails.models import EmailDelivery
from apps.tenancy import provisioning
from apps.tenancy.models import Plan, ProvisioningJob, Tenant
from apps.tenancy.tasks import provision_tenant
from apps.timeline.selectors import timeline_page
from apps.timeline.sources import STAFF, TENANT
from config.celery import app

pytestmark = pytest.mark.django_db
V1 = "/api/platform/v1"
REQUEST_ID = "req-onboard-initech-1"


@pytest.fixture
def published() -> Iterator[list[tuple[str, tuple[Any, ...], dict[str, Any]]]]:
    """The tasks sent to the broker during the test: (task name, args, headers as sent). The test's
    queue is purged afterwards: no worker of another test ever runs them."""
    sent: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def record(sender: str | None = None, body: Any = None, headers: dict[str, Any] | None = None, **kw: Any) -> None:
        sent.append((str(sender), tuple(body[0]) if body else (), dict(headers or {})))

    signals.before_task_publish.connect(record, weak=False)
    try:
        yield sent
    finally:
        signals.before_task_publish.disconnect(record)
        app.control.purge()


@pytest.fixture
def committed_under(django_capture_on_commit_callbacks) -> Callable[[str, list[Callable[[], Any]]], None]:
    """committed_under(id, callbacks): play a transaction's on-commit callbacks (and those they add)
    while `id` is current, as the commit inside that request or task would."""

    def play(correlation_id: str, callbacks: list[Callable[[], Any]]) -> None:
        with correlation_scope(correlation_id), django_capture_on_commit_callbacks(execute=True):
            for callback in callbacks:
                callback()

    return play


@pytest.fixture
def run_as_worker(django_capture_on_commit_callbacks, committed_under) -> Callable[..., Any]:
    """Run a published message as a worker does: no correlation id of its own, the message's headers."""

    def run(task: Any, args: tuple[Any, ...], headers: dict[str, Any]) -> Any:
        token = set_correlation_id("")
        try:
            with django_capture_on_commit_callbacks() as callbacks:
                result = task.apply(args=args, headers=headers).get()
            assert get_correlation_id() == "", "the task's id must not outlive the task"
        finally:
            reset_correlation_id(token)
        committed_under(headers[HEADER], callbacks)
        return result

    return run


@pytest.fixture
def first_subscription_step(monkeypatch) -> None:
    """The tenant has a card before billing's `start_subscription` step (position 80) starts its
    subscription (no trial), issues the first period's invoice and charges it."""

    def step(*, job: ProvisioningJob, tenant: Tenant) -> None:
        PaymentMethod.objects.get_or_create(
            tenant=tenant, provider="manual", last4="4242",
            defaults={"brand": "visa", "exp_month": 12, "exp_year": 2030, "is_default": True},
        )  # fmt: skip

    provisioning.provisioning_steps()  # discover the apps' steps first
    monkeypatch.setitem(provisioning._REGISTRY, "test_card_on_file",
                        provisioning.Step("test_card_on_file", 75, step))  # fmt: skip


@pytest.fixture
def paid_plan(db) -> Plan:
    plan, _ = Plan.objects.update_or_create(
        name="corr-starter",
        defaults={"display_name": "Starter", "currency": "AUD", "trial_days": 0, "is_active": True,
                  "max_users": 25, "price_monthly": Decimal("49.00")},
    )  # fmt: skip
    return plan


def test_one_request_id_follows_a_new_tenant_into_every_timeline_source(
    platform_client, platform_superuser, paid_plan, published, committed_under, run_as_worker,
    first_subscription_step, django_capture_on_commit_callbacks,
):  # fmt: skip
    platform_client.force_login(platform_superuser)
    body = {"name": "Initech", "slug": "initech", "plan": paid_plan.name, "admin_email": "boss@initech.test",
            "billing_email": "billing@initech.test"}  # fmt: skip
    with django_capture_on_commit_callbacks() as request_commit:
        response = platform_client.post(f"{V1}/tenants/", body, content_type="application/json",
                                        HTTP_X_REQUEST_ID=REQUEST_ID)  # fmt: skip
    assert response.status_code == 202, response.content
    assert response["X-Request-ID"] == REQUEST_ID
    committed_under(REQUEST_ID, request_commit)  # the request's commit enqueues the provisioning job

    [(_, args, headers)] = [message for message in published if message[0] == "tenancy.provision_tenant"]
    assert headers[HEADER] == REQUEST_ID, "the task carries the request's id to the worker"
    assert run_as_worker(provision_tenant, args, headers) == "succeeded"

    tenant = Tenant.objects.get(slug="initech")
    job = ProvisioningJob.objects.get(tenant=tenant)
    sub = Subscription.objects.get(tenant=tenant)
    assert job.correlation_id == REQUEST_ID
    assert set(job.steps.values_list("correlation_id", flat=True)) == {REQUEST_ID}
    assert sub.correlation_id == REQUEST_ID
    assert set(SubscriptionChange.objects.filter(subscription=sub).values_list("correlation_id", flat=True)) == {
        REQUEST_ID
    }
    invoice = Invoice.objects.get(tenant=tenant)
    payment = Payment.objects.get(tenant=tenant)
    assert (invoice.correlation_id, invoice.status, payment.correlation_id, payment.status) == (
        REQUEST_ID, "paid", REQUEST_ID, "succeeded",
    )  # fmt: skip
    emails = EmailDelivery.objects.filter(tenant=tenant)
    assert {(e.template, e.recipient) for e in emails} >= {("notification", "boss@initech.test")}
    assert set(emails.values_list("correlation_id", flat=True)) == {REQUEST_ID}
    actions = set(AuditEvent.objects.filter(tenant=tenant, correlation_id=REQUEST_ID).values_list("action", flat=True))
    assert {"tenant.requested", "billing.subscription_created", "billing.invoice_issued",
            "billing.invoice_paid"} <= actions  # fmt: skip

    page = timeline_page(tenant=tenant, audience=STAFF, correlation_id=REQUEST_ID, limit=200)
    assert page.next_cursor is None
    assert {entry.correlation_id for entry in page.entries} == {REQUEST_ID}
    sources = {entry.source for entry in page.entries}
    assert {"audit", "provisioning", "subscription_change", "invoice_issued", "invoice_paid", "payment", "email",
            "history_tenant", "history_entity", "history_role"} <= sources, sources  # fmt: skip
    assert {e.summary for e in page.entries if e.source == "provisioning"} >= {
        f"Provisioning step “{name}” succeeded" for name in ("clone_schema", "invite_first_admin", "mark_active")
    }
    tenant_view = timeline_page(tenant=tenant, audience=TENANT, correlation_id=REQUEST_ID, limit=200)
    assert {"provisioning", "subscription_change", "invoice_issued", "payment", "email"} <= {
        entry.source for entry in tenant_view.entries
    }
    assert "history_tenant" not in {entry.source for entry in tenant_view.entries}  # the platform's record
    assert timeline_page(tenant=tenant, correlation_id="another-request", limit=200).entries == []


def test_the_filter_is_the_request_id_in_the_portal_and_admin_pages(
    platform_client, platform_superuser, paid_plan, published, committed_under, run_as_worker,
    first_subscription_step, django_capture_on_commit_callbacks,
):  # fmt: skip
    platform_client.force_login(platform_superuser)
    with django_capture_on_commit_callbacks() as request_commit:
        platform_client.post(f"{V1}/tenants/", {"name": "Hooli", "slug": "hooli", "plan": paid_plan.name},
                             content_type="application/json", HTTP_X_REQUEST_ID="req-hooli")  # fmt: skip
    committed_under("req-hooli", request_commit)
    [(_, args, headers)] = [m for m in published if m[0] == "tenancy.provision_tenant"]
    run_as_worker(provision_tenant, args, headers)
    tenant = Tenant.objects.get(slug="hooli")
    page = platform_client.get(f"/admin/timeline/{tenant.pk}/", {"correlation_id": "req-hooli"}).content.decode()
    for text in ("Provisioning step", "Subscription: created", "Invoice", "Payment of"):
        assert text in page, text


def test_a_billing_run_from_beat_has_its_own_id_shared_by_what_it_produces(
    acme, paid_plan, published, run_as_worker, committed_under, django_capture_on_commit_callbacks
):
    acme.billing_email = "billing@acme.test"
    acme.save(update_fields=["billing_email"])
    with django_capture_on_commit_callbacks() as signup_commit, correlation_scope("req-signup"):
        sub = subscription_create(tenant=acme, plan=paid_plan, acting_user=None)
    committed_under("req-signup", signup_commit)
    later = sub.current_period_end + timedelta(hours=1)

    ids = []
    for when in (later, later + timedelta(days=31)):
        token = set_correlation_id("")  # beat has no request: each send gets a new id
        try:
            billing_run_task.delay(when.isoformat())
        finally:
            reset_correlation_id(token)
        _, args, headers = [m for m in published if m[0] == "billing.run"][-1]
        run_as_worker(billing_run_task, args, headers)
        ids.append(headers[HEADER])
    assert len(set(ids)) == 2 and "req-signup" not in ids and "" not in ids

    for run_id in ids:
        invoices = Invoice.objects.filter(tenant=acme, correlation_id=run_id)
        payments = Payment.objects.filter(tenant=acme, correlation_id=run_id)
        emails = EmailDelivery.objects.filter(tenant=acme, correlation_id=run_id)
        assert invoices.exists() and payments.exists()  # the period's invoice, its attempt (no card: failed)
        assert {e.template for e in emails} == {"notification"}  # the payment failure, through notifications
        sources = {entry.source for entry in timeline_page(tenant=acme, correlation_id=run_id, limit=200).entries}
        assert {"invoice_issued", "payment", "email", "audit"} <= sources, sources
    changes = SubscriptionChange.objects.filter(subscription=sub)
    assert changes.get(kind="created").correlation_id == "req-signup"
    assert changes.filter(kind="status").first().correlation_id == ids[0]


def test_a_management_command_run_has_one_id_too(acme, paid_plan):
    from django.core.management import call_command

    with correlation_scope("req-signup"):
        sub = subscription_create(tenant=acme, plan=paid_plan, acting_user=None)
    call_command("billing_run", "--now", (sub.current_period_end + timedelta(hours=1)).isoformat())
    invoice, payment = Invoice.objects.get(subscription=sub), Payment.objects.get(invoice__subscription=sub)
    assert invoice.correlation_id and invoice.correlation_id == payment.correlation_id != "req-signup"
    assert get_correlation_id() == ""


def test_history_rows_keep_the_id_of_their_change_not_the_rows_creation(acme, paid_plan):
    with correlation_scope("req-create"):
        sub = subscription_create(tenant=acme, plan=paid_plan, acting_user=None)
    with correlation_scope("req-change"):
        sub.quantity = 3
        sub.save()
    assert sub.correlation_id == "req-create"
    assert [h.correlation_id for h in sub.history.order_by("history_date", "history_id")] == [
        "req-create", "req-change",
    ]  # fmt: skip


def test_a_retried_provisioning_job_shows_its_rerun_steps_under_the_retrys_id(monkeypatch):
    from apps.tenancy.lifecycle import provisioning_job_retry, tenant_request

    def broken(*, job: ProvisioningJob, tenant: Tenant) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("apps.tenancy.lifecycle._enqueue_provisioning", lambda job_id: None)
    with correlation_scope("req-first"):
        job = tenant_request(name="Initech", slug="initech", acting_user=None)
        with monkeypatch.context() as patch:
            patch.setitem(provisioning._REGISTRY, "mark_active", provisioning.Step("mark_active", 1000, broken))
            provision_tenant(job.pk)  # called directly: runs under the current id
    with correlation_scope("req-retry"):
        provisioning_job_retry(job=job, acting_user=None)
        provision_tenant(job.pk)
    steps = dict(job.steps.values_list("name", "correlation_id"))
    assert steps["mark_active"] == "req-retry" and steps["clone_schema"] == "req-first"
    assert ProvisioningJob.objects.get(pk=job.pk).correlation_id == "req-first"
    tenant = Tenant.objects.get(pk=job.tenant_id)
    retried = {
        e.summary
        for e in timeline_page(tenant=tenant, correlation_id="req-retry").entries
        if e.source == "provisioning"
    }
    assert retried == {"Provisioning step “mark_active” succeeded"}
