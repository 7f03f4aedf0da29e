"""Celery entry points, the beat schedule, demo data and the dashboard numbers."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from apps.webhooks import tasks
from apps.webhooks.demo import DEMO_URL, demo_seed
from apps.webhooks.models import WebhookDelivery, WebhookEndpoint
from apps.webhooks.selectors import delivery_stats
from apps.webhooks.services import webhook_event_emit

pytestmark = pytest.mark.django_db


def test_retry_due_is_scheduled_every_minute():
    task = PeriodicTask.objects.get(name="webhooks.retry_due")
    assert task.task == "webhooks.retry_due" and (task.interval.every, task.interval.period) == (1, "minutes")


def test_deliver_task_sends_once_and_a_duplicate_does_nothing(acme, acme_endpoint, receiver):
    webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    delivery = WebhookDelivery.objects.get()
    assert tasks.deliver(delivery.pk) == "succeeded"
    assert tasks.deliver(delivery.pk) is None  # a redelivered task finds nothing open
    assert tasks.deliver(delivery.pk, claimed=True) is None
    assert len(receiver.requests) == 1


def test_retry_due_task_enqueues_only_due_deliveries(acme, acme_endpoint, monkeypatch):
    sent: list[tuple[int, bool]] = []
    monkeypatch.setattr(tasks.deliver, "delay", lambda delivery_id, claimed=False: sent.append((delivery_id, claimed)))
    webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    due, later = WebhookDelivery.objects.order_by("id")
    WebhookDelivery.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    assert tasks.retry_due() == {"claimed": 1}
    assert sent == [(due.pk, True)]


def test_demo_seed_is_idempotent(acme):
    demo_seed()
    demo_seed()
    assert WebhookEndpoint.objects.filter(tenant=acme, url=DEMO_URL).count() == 1


def test_delivery_stats_give_the_failure_rate(acme, acme_endpoint):
    for _ in range(4):
        webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    first, second, *_ = WebhookDelivery.objects.order_by("id")
    WebhookDelivery.objects.filter(pk=first.pk).update(status="failed", next_attempt_at=None)
    WebhookDelivery.objects.filter(pk=second.pk).update(
        status="succeeded", next_attempt_at=None, delivered_at=timezone.now()
    )
    stats = delivery_stats(since=timezone.now() - timedelta(days=1))
    assert stats["by_status"] == {"failed": 1, "succeeded": 1, "pending": 2} and stats["failure_rate"] == 0.5
