"""Endpoints, emitting, sending with a real local receiver, retries with backoff, disabling, test and replay."""

import itertools
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.webhooks import delivery as worker
from apps.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from apps.webhooks.services import (
    webhook_delivery_replay,
    webhook_endpoint_create,
    webhook_endpoint_disable,
    webhook_endpoint_enable,
    webhook_endpoint_update,
    webhook_event_emit,
    webhook_secret_rotate,
    webhook_test_send,
)
from apps.webhooks.signing import signature_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_inline(monkeypatch):
    """Enqueued deliveries are sent at once, in-process (as the Celery task would)."""
    from apps.webhooks import tasks

    monkeypatch.setattr(
        tasks.deliver, "delay", lambda delivery_id, claimed=False: worker.delivery_send(delivery_id, claimed=claimed)
    )


def _due_now(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


# --- Validation ------------------------------------------------------------------------------------


def test_http_is_refused_outside_development(settings, acme, acme_admin):
    settings.WEBHOOKS_ALLOW_HTTP = False
    with pytest.raises(ValidationError) as exc:
        webhook_endpoint_create(
            tenant=acme, url="http://example.com/hook", enabled_events=["invoice.paid"], acting_user=acme_admin
        )
    assert exc.value.message_dict["url"] == ["Webhook URLs must use HTTPS."]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/x",
        "https://169.254.169.254/latest",
        "https://[::1]/hook",
        "https://localhost/hook",
        "https://192.168.0.10/",
    ],
)
def test_private_addresses_are_refused_outside_development(settings, acme, acme_admin, url):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError) as exc:
        webhook_endpoint_create(tenant=acme, url=url, enabled_events=["invoice.paid"], acting_user=acme_admin)
    assert "private, loopback or link-local" in exc.value.message_dict["url"][0]
    assert not WebhookEndpoint.objects.exists()


def test_public_https_address_is_accepted(settings, acme, acme_admin):
    settings.WEBHOOKS_ALLOW_HTTP, settings.WEBHOOKS_ALLOW_PRIVATE = False, False
    endpoint, secret = webhook_endpoint_create(
        tenant=acme, url="https://93.184.215.14/hook", enabled_events=["invoice.paid"], acting_user=acme_admin
    )
    assert secret.startswith("whsec_") and secret not in endpoint.secret_encrypted
    assert endpoint.secret_hint == secret[:10]


@pytest.mark.parametrize(
    ("url", "events", "field"),
    [
        ("ftp://example.com/", ["invoice.paid"], "url"),
        ("https://user:pw@example.com/", ["invoice.paid"], "url"),
        ("https://example.com/", [], "enabled_events"),
        ("https://example.com/", ["invoice.eaten"], "enabled_events"),
    ],
)
def test_bad_input_has_a_field_error(acme, acme_admin, url, events, field):
    with pytest.raises(ValidationError) as exc:
        webhook_endpoint_create(tenant=acme, url=url, enabled_events=events, acting_user=acme_admin)
    assert field in exc.value.message_dict


def test_create_and_update_are_audited_with_history(acme_endpoint, acme_admin):
    webhook_endpoint_update(endpoint=acme_endpoint, enabled_events=["invoice.paid"], acting_user=acme_admin)
    actions = list(AuditEvent.objects.filter(target_id=str(acme_endpoint.pk)).values_list("action", flat=True))
    assert {"webhooks.endpoint_created", "webhooks.endpoint_updated"} <= set(actions)
    assert acme_endpoint.history.count() == 2


# --- Emitting --------------------------------------------------------------------------------------


def test_emit_reaches_subscribed_enabled_endpoints_of_the_tenant_and_the_platform(
    acme, acme_endpoint, globex_endpoint, receiver, django_capture_on_commit_callbacks
):
    platform, _ = webhook_endpoint_create(
        tenant=None, url=receiver.url("/platform"), acting_user=None, enabled_events=["invoice.issued"]
    )
    off, _ = webhook_endpoint_create(
        tenant=acme, url=receiver.url("/off"), acting_user=None, enabled_events=["invoice.issued"]
    )
    webhook_endpoint_disable(endpoint=off, reason="paused", acting_user=None)
    with django_capture_on_commit_callbacks() as callbacks, CaptureQueriesContext(connection) as queries:
        count = webhook_event_emit(tenant=acme, event_type="invoice.issued", payload={"number": "INV-1"})
    assert count == 2 and len(callbacks) == 1
    assert {d.endpoint_id for d in WebhookDelivery.objects.all()} == {acme_endpoint.pk, platform.pk}
    assert sum('INSERT INTO "webhooks_webhookdelivery"' in q["sql"] for q in queries.captured_queries) == 1
    assert WebhookDelivery.objects.get(endpoint=platform).tenant_id is None


def test_emit_without_listeners_writes_nothing(acme):
    assert webhook_event_emit(tenant=acme, event_type="ticket.created", payload={}) == 0
    assert not WebhookEvent.objects.exists()


def test_emit_refuses_an_unknown_type(acme):
    with pytest.raises(ValueError, match="Unknown webhook event type"):
        webhook_event_emit(tenant=acme, event_type="nope", payload={})


# --- Sending ---------------------------------------------------------------------------------------


def test_delivery_is_signed_and_verifiable_by_the_receiver(
    acme, acme_endpoint, receiver, sent_inline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={"number": "INV-7"})
    (request,) = receiver.requests
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "succeeded" and delivery.attempt_count == 1 and delivery.last_status_code == 200
    headers = request["headers"]
    assert headers["X-NidiaFlow-Event"] == "invoice.paid"
    assert headers["X-NidiaFlow-Delivery"] == str(delivery.uuid)
    assert signature_verify(
        header=headers["X-NidiaFlow-Signature"], body=request["body"], secret=acme_endpoint.plain_secret
    )
    body = json.loads(request["body"])
    assert body["type"] == "invoice.paid" and body["tenant"] == acme.slug and body["data"] == {"number": "INV-7"}
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 200 and len(attempt.response_excerpt) == 500


def test_rotation_signs_with_both_secrets_during_the_overlap(
    acme, acme_endpoint, acme_admin, receiver, sent_inline, django_capture_on_commit_callbacks
):
    old = acme_endpoint.plain_secret
    _, new = webhook_secret_rotate(endpoint=acme_endpoint, overlap_hours=24, acting_user=acme_admin)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    header, body = receiver.requests[0]["headers"]["X-NidiaFlow-Signature"], receiver.requests[0]["body"]
    assert header.count("v1=") == 2
    assert signature_verify(header=header, body=body, secret=new)
    assert signature_verify(header=header, body=body, secret=old)
    # After the overlap only the new secret signs.
    WebhookEndpoint.objects.filter(pk=acme_endpoint.pk).update(previous_secret_expires_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    header, body = receiver.requests[1]["headers"]["X-NidiaFlow-Signature"], receiver.requests[1]["body"]
    assert header.count("v1=") == 1 and not signature_verify(header=header, body=body, secret=old)
    assert signature_verify(header=header, body=body, secret=new)


def test_rotation_without_overlap_drops_the_old_secret_and_range_is_checked(acme_endpoint, acme_admin):
    endpoint, _ = webhook_secret_rotate(endpoint=acme_endpoint, overlap_hours=0, acting_user=acme_admin)
    assert endpoint.previous_secret_encrypted == "" and endpoint.previous_secret_expires_at is None
    with pytest.raises(ValidationError):
        webhook_secret_rotate(endpoint=acme_endpoint, overlap_hours=10_000, acting_user=acme_admin)


def test_backoff_schedule_is_exponential_and_within_three_days():
    waits = [worker.backoff_after(n) for n in range(1, worker.MAX_ATTEMPTS)]
    assert waits[:4] == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
    assert all(a <= b for a, b in itertools.pairwise(waits))
    assert timedelta(days=2) < sum(waits, timedelta()) <= timedelta(days=3)
    assert worker.backoff_after(worker.MAX_ATTEMPTS) is None


def test_failures_retry_on_schedule_then_succeed(
    acme, acme_endpoint, receiver, sent_inline, django_capture_on_commit_callbacks
):
    receiver.fail("/acme", 500, 503)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying" and delivery.attempt_count == 1 and delivery.last_status_code == 500
    assert timedelta(seconds=55) < delivery.next_attempt_at - timezone.now() <= timedelta(minutes=1)
    assert worker.retry_due() == {"claimed": 0}  # not due yet
    _due_now(delivery)
    assert worker.retry_due() == {"claimed": 1}
    delivery.refresh_from_db()
    assert delivery.status == "retrying" and delivery.attempt_count == 2
    assert timedelta(minutes=4) < delivery.next_attempt_at - timezone.now() <= timedelta(minutes=5)
    _due_now(delivery)
    worker.retry_due()
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.attempt_count == 3 and len(receiver.requests) == 3
    assert [a.status_code for a in delivery.attempts.order_by("id")] == [500, 503, 200]


def test_unreachable_receiver_is_recorded_as_an_error(
    acme, acme_admin, sent_inline, django_capture_on_commit_callbacks
):
    endpoint, _ = webhook_endpoint_create(
        tenant=acme, url="http://127.0.0.1:9/closed", acting_user=acme_admin, enabled_events=["invoice.paid"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    attempt = WebhookAttempt.objects.get(delivery__endpoint=endpoint)
    assert attempt.status_code is None and "ConnectionError" in attempt.error


def test_private_address_is_refused_again_at_send_time(
    settings, acme, acme_endpoint, sent_inline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        settings.WEBHOOKS_ALLOW_PRIVATE = False
        webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and "private" in attempt.error


def _fail_for_good(delivery: WebhookDelivery) -> None:
    for _ in range(worker.MAX_ATTEMPTS):
        _due_now(delivery)
        worker.delivery_send(delivery.pk)


def test_delivery_fails_for_good_after_the_last_attempt(acme, acme_endpoint, receiver):
    receiver.fail("/acme", *[500] * 20)
    webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    delivery = WebhookDelivery.objects.get()
    _fail_for_good(delivery)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempt_count == worker.MAX_ATTEMPTS
    assert delivery.next_attempt_at is None
    assert worker.delivery_send(delivery.pk) is None  # nothing more to send
    acme_endpoint.refresh_from_db()
    assert acme_endpoint.consecutive_failures == 1 and acme_endpoint.enabled


def test_endpoint_is_disabled_after_n_failed_deliveries_with_notice_and_audit(
    settings, acme, acme_admin, acme_endpoint, receiver, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 2
    acme.billing_email = "billing@acme.test"
    acme.save(update_fields=["billing_email"])
    receiver.fail("/acme", *[500] * 50)
    webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    first, second = WebhookDelivery.objects.order_by("id")
    _fail_for_good(first)
    with django_capture_on_commit_callbacks(execute=True):
        _fail_for_good(second)
    acme_endpoint.refresh_from_db()
    assert not acme_endpoint.enabled and "2 failed deliveries" in acme_endpoint.disabled_reason
    assert AuditEvent.objects.filter(action="webhooks.endpoint_disabled", target_id=str(acme_endpoint.pk)).exists()
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted([acme_admin.email, "billing@acme.test"])
    assert acme_endpoint.url in mail.outbox[0].body
    # New events no longer reach it; a pending delivery to it closes without sending.
    assert webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={}) == 0


def test_success_resets_the_failure_count(acme, acme_endpoint, receiver):
    WebhookEndpoint.objects.filter(pk=acme_endpoint.pk).update(consecutive_failures=3)
    webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    worker.delivery_send(WebhookDelivery.objects.get().pk)
    acme_endpoint.refresh_from_db()
    assert acme_endpoint.consecutive_failures == 0


def test_enable_resets_and_pending_deliveries_of_disabled_endpoints_close(acme, acme_endpoint, acme_admin, receiver):
    webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    webhook_endpoint_disable(endpoint=acme_endpoint, reason="maintenance", acting_user=acme_admin)
    delivery = WebhookDelivery.objects.get()
    assert worker.delivery_send(delivery.pk) == "failed" and receiver.requests == []
    endpoint = webhook_endpoint_enable(endpoint=acme_endpoint, acting_user=acme_admin)
    assert endpoint.enabled and endpoint.disabled_at is None and endpoint.consecutive_failures == 0


def test_claim_skips_rows_locked_by_another_worker(acme, acme_endpoint):
    webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    first, second = WebhookDelivery.objects.order_by("id")
    claimed = worker.deliveries_claim(limit=10)
    assert sorted(claimed) == [first.pk, second.pk]
    assert worker.deliveries_claim(limit=10) == []  # leased: not due again until the lease ends
    first.refresh_from_db()
    assert first.next_attempt_at > timezone.now() + timedelta(minutes=4)


# --- Test events and replays -----------------------------------------------------------------------


def test_test_event_goes_to_that_endpoint_only(
    acme_endpoint, acme_admin, globex_endpoint, receiver, sent_inline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_test_send(endpoint=acme_endpoint, acting_user=acme_admin)
    (request,) = receiver.requests
    assert request["path"] == "/acme" and request["headers"]["X-NidiaFlow-Event"] == "webhook.test"
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.event.type == "webhook.test"
    assert AuditEvent.objects.filter(action="webhooks.test_sent").exists()


def test_replay_sends_the_same_event_as_a_new_delivery(
    acme, acme_endpoint, acme_admin, receiver, sent_inline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={"number": "INV-9"})
    original = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        replay = webhook_delivery_replay(delivery=original, acting_user=acme_admin)
    assert replay.pk != original.pk and replay.event_id == original.event_id and replay.replay_of == original
    first, second = receiver.requests
    assert json.loads(first["body"]) == json.loads(second["body"])
    assert first["headers"]["X-NidiaFlow-Delivery"] != second["headers"]["X-NidiaFlow-Delivery"]
    replay.refresh_from_db()
    assert replay.status == "succeeded"


def test_replay_and_test_refuse_a_disabled_endpoint(acme, acme_endpoint, acme_admin):
    webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    webhook_endpoint_disable(endpoint=acme_endpoint, reason="x", acting_user=acme_admin)
    with pytest.raises(ValidationError):
        webhook_test_send(endpoint=acme_endpoint, acting_user=acme_admin)
    with pytest.raises(ValidationError):
        webhook_delivery_replay(delivery=WebhookDelivery.objects.get(), acting_user=acme_admin)
    assert WebhookDelivery.objects.count() == 1


def test_a_late_outcome_does_not_reopen_a_closed_delivery(acme, acme_endpoint, receiver):
    webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    delivery = WebhookDelivery.objects.get()
    assert worker.delivery_send(delivery.pk) == "succeeded"
    late = worker.Outcome(status_code=None, latency_ms=10_000, error="ReadTimeout")
    assert worker.attempt_record(delivery_id=delivery.pk, outcome=late) == "succeeded"
    assert delivery.attempts.count() == 1
