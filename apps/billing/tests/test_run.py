"""The billing run: idempotent per subscription period, re-entrant after a crash, trials end both ways,
cancellations end, the Celery task and the management command."""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.audit.models import AuditEvent
from apps.billing import batch, run, tasks
from apps.billing.models import AlertKind, BillingAlert, Invoice, Payment, Subscription
from apps.core.models import NumberSeries
from apps.tenancy.models import PlanStatus

from .test_payments import T0, billed, card_add, subscription_make

pytestmark = pytest.mark.django_db

APRIL = datetime(2026, 4, 1, tzinfo=UTC)
DUE = APRIL + timedelta(hours=1)


def test_renewal_issues_charges_and_advances_once(acme, globex):
    billed(acme)
    card_add(acme)
    subscription = subscription_make(acme)
    subscription_make(globex, start=APRIL)  # not due
    result = run.billing_run(now=DUE)
    subscription.refresh_from_db()
    invoice = Invoice.objects.get(subscription=subscription)
    assert result["due"] == 1 and result["issued"] == 1 and result["payments_succeeded"] == 1
    assert invoice.idempotency_key == f"sub:{subscription.pk}:period:{APRIL.isoformat()}"
    assert (invoice.period_start, invoice.period_end) == (APRIL, datetime(2026, 5, 1, tzinfo=UTC))
    assert invoice.status == "paid" and invoice.payments.get().status == "succeeded"
    assert (subscription.current_period_start, subscription.current_period_end) == (
        APRIL, datetime(2026, 5, 1, tzinfo=UTC)
    )  # fmt: skip


def test_a_rerun_and_a_duplicated_task_issue_nothing_new(acme):
    billed(acme)
    card_add(acme)
    subscription_make(acme)
    run.billing_run(now=DUE)
    again = run.billing_run(now=DUE)
    duplicate = tasks.run(now=DUE.isoformat())
    assert again["due"] == duplicate["due"] == 0 and again["issued"] == duplicate["issued"] == 0
    assert Invoice.objects.count() == 1 and Payment.objects.count() == 1


def test_renewing_a_period_whose_invoice_exists_reuses_it(acme):
    """A duplicated task that got past the due check (e.g. before the period was saved) finds the key."""
    billed(acme)
    card_add(acme)
    subscription = subscription_make(acme)
    run.billing_run(now=DUE)
    Subscription.objects.filter(pk=subscription.pk).update(current_period_start=T0, current_period_end=APRIL)
    result = run.billing_run(now=DUE)
    assert result["renewed"] == 1 and result["issued"] == 0
    assert Invoice.objects.count() == 1 and Payment.objects.count() == 1


def test_a_crash_after_the_invoice_is_issued_loses_nothing(acme, monkeypatch):
    """The worker dies after the batch inserted the invoices (and the one-by-one fallback dies too):
    everything of the batch is rolled back, and the rerun issues the invoice exactly once."""
    billed(acme)
    card_add(acme)
    subscription = subscription_make(acme)
    real_issue = run.invoices.invoice_issue_for_period

    def issue_then_die(**kwargs):
        real_issue(**kwargs)
        raise RuntimeError("worker killed")

    def audit_then_die(pending):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(batch, "audit_record_many", audit_then_die)
    monkeypatch.setattr(run.invoices, "invoice_issue_for_period", issue_then_die)
    crashed = run.billing_run(now=DUE)
    subscription.refresh_from_db()
    assert crashed["errors"] == 1 and Invoice.objects.count() == 0 and subscription.current_period_end == APRIL
    assert NumberSeries.objects.filter(key="INV", next_number__gt=1).count() == 0  # the block was given back

    monkeypatch.undo()
    rerun = run.billing_run(now=DUE)
    subscription.refresh_from_db()
    assert rerun["issued"] == 1 and Invoice.objects.get().status == "paid"
    assert Invoice.objects.get().number == "INV-000001" and subscription.current_period_start == APRIL


def test_a_failing_batch_is_redone_one_subscription_at_a_time(acme, globex, monkeypatch):
    """One broken subscription does not stop the others: the batch falls back to the per-subscription path."""
    for tenant in (acme, globex):
        billed(tenant)
        card_add(tenant)
        subscription_make(tenant)

    def broken(subscriptions, now):
        raise RuntimeError("bad data")

    monkeypatch.setattr(batch, "_renew_plain", broken)
    result = run.billing_run(now=DUE)
    assert result["issued"] == 2 and result["errors"] == 0 and result["payments_succeeded"] == 2
    assert sorted(Invoice.objects.values_list("number", flat=True)) == ["INV-000001", "INV-000002"]


def test_batch_renewal_numbers_without_gaps_and_audits_each_tenant(acme, globex):
    for tenant in (acme, globex):
        billed(tenant)
        card_add(tenant)
        subscription_make(tenant)
    result = run.billing_run(now=DUE)
    assert result["issued"] == 2 and result["payments_succeeded"] == 2
    numbers = sorted(Invoice.objects.values_list("sequence_number", flat=True))
    assert numbers == [1, 2] and NumberSeries.objects.get(key="INV").next_number == 3
    for tenant in (acme, globex):
        invoice = Invoice.objects.get(tenant=tenant)
        assert invoice.lines.count() == 1 and invoice.history.count() == 2  # issued, then paid
        actions = set(AuditEvent.objects.filter(tenant=tenant).values_list("action", flat=True))
        assert {"billing.invoice_issued", "billing.invoice_paid"} <= actions
    call_command("audit_verify", stdout=StringIO())  # the bulk-appended events keep every chain valid


def test_batch_queries_do_not_grow_with_the_number_of_subscriptions(acme, globex):
    """Renewing and charging one subscription or two costs the same queries (a batch, not a loop)."""
    for tenant in (acme, globex):
        billed(tenant)
        card_add(tenant)
    subscription_make(acme)  # due on 1 April
    subscription_make(globex, start=APRIL)  # due on 2 May, like acme's next period (1 May)
    with CaptureQueriesContext(connection) as one:
        assert run.billing_run(now=DUE)["issued"] == 1
    with CaptureQueriesContext(connection) as two:
        assert run.billing_run(now=datetime(2026, 5, 2, 1, tzinfo=UTC))["issued"] == 2
    assert len(two.captured_queries) <= len(one.captured_queries) + 2


def test_a_crash_in_the_payment_is_finished_by_the_rerun(acme, monkeypatch):
    billed(acme)
    card_add(acme)
    subscription_make(acme)
    monkeypatch.setattr(run.dunning, "dunning_run", lambda **kwargs: (_ for _ in ()).throw(RuntimeError("killed")))
    with pytest.raises(RuntimeError):
        run.billing_run(now=DUE)
    invoice = Invoice.objects.get()
    assert invoice.status == "open" and invoice.payment_attempts == 0 and not invoice.payments.exists()

    monkeypatch.undo()
    rerun = run.billing_run(now=DUE)
    invoice.refresh_from_db()
    assert rerun["issued"] == 0 and rerun["payments_succeeded"] == 1
    assert invoice.status == "paid" and Invoice.objects.count() == 1


def test_trial_ends_into_active_when_payment_succeeds(acme):
    billed(acme)
    card_add(acme)
    subscription = subscription_make(acme, status="trialing", trial_end=datetime(2026, 3, 15, tzinfo=UTC))
    run.billing_run(now=datetime(2026, 3, 15, 1, tzinfo=UTC))
    subscription.refresh_from_db()
    acme.refresh_from_db()
    assert subscription.status == "active" and acme.plan_status == PlanStatus.ACTIVE
    invoice = Invoice.objects.get()
    assert invoice.period_start == datetime(2026, 3, 15, tzinfo=UTC) and invoice.status == "paid"
    assert subscription.current_period_end == datetime(2026, 4, 15, tzinfo=UTC)


def test_trial_ends_into_payment_required_without_a_payment_method(acme, django_capture_on_commit_callbacks):
    billed(acme)
    subscription = subscription_make(acme, status="trialing", trial_end=APRIL)
    with django_capture_on_commit_callbacks(execute=True):
        run.billing_run(now=DUE)
    subscription.refresh_from_db()
    acme.refresh_from_db()
    assert subscription.status == "past_due" and acme.plan_status == PlanStatus.PAST_DUE
    assert subscription.changes.filter(reason="Trial ended: payment required").exists()
    invoice = Invoice.objects.get()
    assert invoice.status == "open" and invoice.payments.get().failure_code == "no_payment_method"
    assert BillingAlert.objects.filter(tenant=acme, kind=AlertKind.PAYMENT_FAILED).exists()
    assert mail.outbox and mail.outbox[0].to == ["billing@acme.test"]


def test_cancel_at_period_end_ends_without_an_invoice(acme):
    billed(acme)
    card_add(acme)
    subscription = subscription_make(acme, cancel_at_period_end=True)
    result = run.billing_run(now=DUE)
    subscription.refresh_from_db()
    acme.refresh_from_db()
    assert result["ended"] == 1 and subscription.status == "ended" and Invoice.objects.count() == 0
    assert acme.plan_status == PlanStatus.CANCELLED


def test_a_subscription_behind_by_several_periods_catches_up(acme):
    billed(acme)
    card_add(acme)
    subscription = subscription_make(acme)
    run.billing_run(now=datetime(2026, 6, 2, tzinfo=UTC))
    subscription.refresh_from_db()
    assert Invoice.objects.count() == 3 and subscription.current_period_end == datetime(2026, 7, 1, tzinfo=UTC)


def test_suspended_subscriptions_are_not_renewed(acme):
    billed(acme)
    subscription_make(acme, status="suspended")
    assert run.billing_run(now=DUE)["due"] == 0 and Invoice.objects.count() == 0


def test_management_command_runs_as_of_a_given_time(acme):
    billed(acme)
    card_add(acme)
    subscription_make(acme)
    out = StringIO()
    call_command("billing_run", "--now", "2026-04-01T01:00:00", stdout=out)
    assert json.loads(out.getvalue())["issued"] == 1
