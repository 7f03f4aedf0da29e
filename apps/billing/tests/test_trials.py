"""Trial lifecycle of a day-one subscription: the email three days before the trial ends (once), and the
renewal at the trial end (charged like any other; without a payment method: past_due, then dunning)."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from apps.billing import dunning, tasks
from apps.billing.models import AlertKind, BillingAlert, Invoice, Subscription
from apps.billing.start import subscription_start
from apps.billing.trials import trial_notices_due, trial_notices_send
from apps.core.contributions import PeriodicTask, contributions

from .test_payments import billed, card_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def trial_plan(plan_factory):
    return plan_factory("trial-pro", price_monthly=Decimal("99.00"), trial_days=14, display_order=10)


@pytest.fixture
def trialing(acme, trial_plan) -> Subscription:
    """Acme's day-one subscription: a 14-day trial that started now."""
    billed(acme)
    acme.plan = trial_plan
    acme.save(update_fields=["plan"])
    subscription = subscription_start(tenant=acme)
    assert subscription is not None and subscription.status == "trialing"
    return subscription


def test_the_daily_notice_is_a_declared_schedule():
    declared = {task.name: task for task in contributions(PeriodicTask)}
    assert declared["billing.trial_notices"].task == "billing.trial_notices"


def test_the_notice_goes_out_three_days_before_the_end_and_only_once(trialing, django_capture_on_commit_callbacks):
    end = trialing.trial_end
    assert trial_notices_send(now=end - timedelta(days=4)) == {"trial_ending": 0}  # too early
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.trial_notices((end - timedelta(days=3)).isoformat()) == {"trial_ending": 1}
    [email] = mail.outbox
    assert email.to == ["billing@acme.test"] and "trial ends on" in email.subject
    assert "no payment method yet" in email.body and "A$99.00" in email.body
    trialing.refresh_from_db()
    assert trialing.trial_end_notified_at == end - timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert trial_notices_send(now=end - timedelta(days=2)) == {"trial_ending": 0}  # recorded: never twice
    assert len(mail.outbox) == 1
    assert BillingAlert.objects.filter(tenant=trialing.tenant, kind=AlertKind.TRIAL_ENDING).count() == 1


def test_without_a_billing_email_the_tenant_admins_are_told(
    trialing, acme_admin, acme_member, django_capture_on_commit_callbacks
):
    type(trialing.tenant).objects.filter(pk=trialing.tenant_id).update(billing_email="")
    with django_capture_on_commit_callbacks(execute=True):
        trial_notices_send(now=trialing.trial_end - timedelta(days=1))
    assert [email.to for email in mail.outbox] == [["admin@acme.test"]]


def test_an_extended_trial_is_announced_again(trialing, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        trial_notices_send(now=trialing.trial_end - timedelta(days=2))
    extended = trialing.trial_end + timedelta(days=10)
    Subscription.objects.filter(pk=trialing.pk).update(trial_end=extended)
    assert trial_notices_due(now=extended - timedelta(days=2)) == [trialing.pk]
    with django_capture_on_commit_callbacks(execute=True):
        trial_notices_send(now=extended - timedelta(days=2))
    assert len(mail.outbox) == 2


def test_at_the_trial_end_the_billing_run_invoices_and_charges_the_card(trialing):
    card_add(trialing.tenant)
    after = trialing.trial_end + timedelta(hours=1)
    call_command("billing_run", "--now", after.isoformat(), stdout=StringIO())
    trialing.refresh_from_db()
    invoice = Invoice.objects.get(subscription=trialing)
    assert (trialing.status, invoice.status, invoice.period_start) == ("active", "paid", trialing.trial_end)
    assert invoice.total == Decimal("99.00")


def test_without_a_payment_method_the_trial_end_goes_past_due_into_dunning(
    trialing, django_capture_on_commit_callbacks
):
    after = trialing.trial_end + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("billing_run", "--now", after.isoformat(), stdout=StringIO())
    trialing.refresh_from_db()
    invoice = Invoice.objects.get(subscription=trialing)
    assert trialing.status == "past_due" and trialing.tenant.plan_status == "past_due"
    assert invoice.status == "open" and invoice.payments.get().failure_code == "no_payment_method"
    assert invoice.next_payment_attempt_at is not None
    # Dunning retries when the next attempt is due; a card added meanwhile settles it.
    card_add(trialing.tenant)
    counts = dunning.dunning_run(now=invoice.next_payment_attempt_at + timedelta(minutes=1))
    assert counts["succeeded"] == 1
    trialing.refresh_from_db()
    invoice.refresh_from_db()
    assert (invoice.status, trialing.status) == ("paid", "active")


def test_a_trial_in_progress_is_not_renewed_early(trialing):
    call_command("billing_run", "--now", timezone.now().isoformat(), stdout=StringIO())
    trialing.refresh_from_db()
    assert trialing.status == "trialing" and not Invoice.objects.filter(subscription=trialing).exists()
