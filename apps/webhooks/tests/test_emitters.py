"""Events emitted by other apps: invoice.issued / invoice.paid (billing) and tenant status changes."""

import json
import uuid

import pytest

from apps.billing.invoices import invoice_issue_for_period, invoice_mark_paid
from apps.billing.models import Payment
from apps.billing.tests.conftest import DEC_1, NOV_1
from apps.tenancy.lifecycle import tenant_reactivate, tenant_suspend
from apps.webhooks import delivery as worker
from apps.webhooks.models import WebhookDelivery, WebhookEvent
from apps.webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db


def _send_all() -> None:
    for delivery_id in WebhookDelivery.objects.values_list("pk", flat=True):
        worker.delivery_send(delivery_id)


def test_issuing_and_paying_an_invoice_emit_signed_events(
    acme_subscription, acme_endpoint, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        invoice = invoice_issue_for_period(
            subscription=acme_subscription, period_start=NOV_1, period_end=DEC_1, now=NOV_1
        )[0]
    assert callbacks  # the send is enqueued after commit
    payment = Payment.objects.create(
        tenant=invoice.tenant,
        invoice=invoice,
        amount=invoice.total,
        currency=invoice.currency,
        status="succeeded",
        provider="manual",
        idempotency_key=f"pay:{uuid.uuid4()}",
    )
    invoice_mark_paid(invoice=invoice, payment=payment)
    invoice_mark_paid(invoice=invoice, payment=payment)  # idempotent: no second event
    assert list(WebhookEvent.objects.order_by("created_at").values_list("type", flat=True)) == [
        "invoice.issued",
        "invoice.paid",
    ]
    _send_all()
    bodies = [json.loads(request["body"]) for request in receiver.requests]
    assert sorted(body["type"] for body in bodies) == ["invoice.issued", "invoice.paid"]
    assert {body["data"]["number"] for body in bodies} == {invoice.number}


def test_a_rolled_back_invoice_emits_nothing(acme_subscription, acme_endpoint, monkeypatch):
    from apps.billing import invoices

    def boom(invoice):
        raise RuntimeError("after the event was written")

    monkeypatch.setattr(invoices, "audit_record", lambda **kwargs: boom(None))
    with pytest.raises(RuntimeError):
        invoice_issue_for_period(subscription=acme_subscription, period_start=NOV_1, period_end=DEC_1, now=NOV_1)
    assert not WebhookEvent.objects.exists()


def test_tenant_suspension_and_reactivation_reach_platform_endpoints(acme, platform_superuser, receiver):
    webhook_endpoint_create(
        tenant=None,
        url=receiver.url("/platform"),
        acting_user=platform_superuser,
        enabled_events=["tenant.activated", "tenant.suspended"],
    )
    tenant_suspend(tenant=acme, acting_user=platform_superuser, reason="unpaid")
    tenant_reactivate(tenant=acme, acting_user=platform_superuser)
    assert list(WebhookEvent.objects.order_by("created_at").values_list("type", flat=True)) == [
        "tenant.suspended",
        "tenant.activated",
    ]
    _send_all()
    assert {json.loads(r["body"])["data"]["slug"] for r in receiver.requests} == {acme.slug}


def test_the_billing_run_batch_emits_issued_and_paid_for_every_listening_tenant(
    acme, globex, acme_endpoint, globex_endpoint, receiver
):
    """The billing run renews and charges in batches (apps.billing.batch), not through invoice_finalise /
    invoice_mark_paid: its bulk emit gives each listening tenant the same events, and nobody else's."""
    from datetime import UTC, datetime, timedelta

    from apps.billing import run
    from apps.billing.tests.test_payments import billed, card_add, subscription_make

    for tenant in (acme, globex):
        billed(tenant)
        card_add(tenant)
        subscription_make(tenant)
    result = run.billing_run(now=datetime(2026, 4, 1, tzinfo=UTC) + timedelta(hours=1))
    assert result["issued"] == 2 and result["payments_succeeded"] == 2
    events = {(event.tenant_id, event.type) for event in WebhookEvent.objects.all()}
    # acme listens to issued and paid; globex to issued only.
    assert events == {(acme.pk, "invoice.issued"), (acme.pk, "invoice.paid"), (globex.pk, "invoice.issued")}
    assert set(WebhookDelivery.objects.values_list("endpoint_id", "tenant_id")) == {
        (acme_endpoint.pk, acme.pk), (globex_endpoint.pk, globex.pk)
    }  # fmt: skip
    _send_all()
    paths = sorted(request["path"] for request in receiver.requests)
    assert paths == ["/acme", "/acme", "/globex"]
