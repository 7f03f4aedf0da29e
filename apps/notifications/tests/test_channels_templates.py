"""SMS through the real HTTP provider against the local stub; templates: overrides, refusal, fallback."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.notifications import services
from apps.notifications.channels import phone_e164
from apps.notifications.models import Delivery, NotificationTemplate

from .conftest import SmsStub, profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_stub(settings):
    stub = SmsStub(key="k-test")
    settings.NOTIFICATIONS_SMS_URL = stub.start()
    settings.NOTIFICATIONS_SMS_KEY = "k-test"
    settings.NOTIFICATIONS_SMS_SENDER = "ACME"
    yield stub
    stub.stop()


def test_sms_and_whatsapp_go_through_the_http_provider(acme, acme_member, acme_admin, notices, inline_send, sms_stub,
                                                       django_capture_on_commit_callbacks):  # fmt: skip
    profile(acme, acme_member, phone="+61 412 345 678")
    profile(acme, acme_admin, phone="not a phone")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(event="test.phone", tenant=acme, payload={"to": [str(acme_member.pk), str(acme_admin.pk)],
                                                                   "code": "4321"})  # fmt: skip
    assert sorted((m["to"], m["channel"], m["body"], m["from"]) for m in sms_stub.messages) == [
        ("+61412345678", "sms", "Code 4321", "ACME"), ("+61412345678", "whatsapp", "Code 4321", "ACME"),
    ]  # fmt: skip
    with schema_context(acme.schema_name):
        sent = Delivery.objects.filter(recipient_key=f"u:{acme_member.pk}")
        assert {d.provider_message_id for d in sent} == {m["id"] for m in sms_stub.messages}
        skipped = Delivery.objects.filter(recipient_key=f"u:{acme_admin.pk}")
        assert {(d.status, d.last_error[:19]) for d in skipped} == {("skipped", "No valid phone numb")}


def test_a_provider_failure_is_retried_later(acme, acme_member, notices, inline_send, sms_stub,
                                             django_capture_on_commit_callbacks):  # fmt: skip
    profile(acme, acme_member, phone="+447911123456")
    sms_stub.fail_next(1)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(event="test.phone", tenant=acme, payload={"to": [str(acme_member.pk)], "code": "1"})
    with schema_context(acme.schema_name):
        statuses = sorted((d.status, d.attempts) for d in Delivery.objects.all())
    assert statuses == [("failed", 1), ("sent", 1)]
    with schema_context(acme.schema_name):
        failed = Delivery.objects.get(status="failed")
        assert failed.last_error.startswith("HTTP 503") and failed.next_attempt_at is not None


def test_phone_numbers_are_validated_as_e164():
    assert phone_e164("+61 412 345 678") == "+61412345678"
    assert phone_e164("0412 345 678", region="AU") == "+61412345678"
    assert phone_e164("0412 345 678") is None
    assert phone_e164("+61 12") is None and phone_e164(None) is None


def test_tenant_override_beats_platform_default_beats_notice(acme, acme_admin, acme_member, notices, inline_send,
                                                             django_capture_on_commit_callbacks):  # fmt: skip
    services.template_override_set(event="test.news", channel="email", language="en", title="Platform: {{ headline }}",
                                   body="platform body", acting_user=None)  # fmt: skip
    with schema_context(acme.schema_name):
        services.template_override_set(event="test.news", channel="in_app", language="en",
                                       title="Acme says {{ headline }}", body="b", acting_user=acme_admin)  # fmt: skip
        assert AuditEvent.objects.filter(action="notifications.template_set", tenant=acme).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(event="test.news", tenant=acme, payload={"to": [str(acme_member.pk)], "headline": "H"})
    assert mail.outbox[0].subject == "Platform: H"  # email: the platform default
    with schema_context(acme.schema_name):
        assert Delivery.objects.get(channel="in_app").notification.title == "Acme says H"  # in-app: acme's own


def test_a_template_that_does_not_compile_is_refused(acme, acme_admin, notices):
    with schema_context(acme.schema_name):
        with pytest.raises(ValidationError, match="does not compile"):
            services.template_override_set(event="test.news", channel="email", language="en", title="{% if %}",
                                           body="x", acting_user=acme_admin)  # fmt: skip
        with pytest.raises(ValidationError, match="No notice"):
            services.template_override_set(event="nope.none", channel="email", language="en", title="t", body="b",
                                           acting_user=acme_admin)  # fmt: skip
        assert not NotificationTemplate.objects.exists()


def test_preview_renders_sample_data_with_placeholders(acme, notices):
    with schema_context(acme.schema_name):
        preview = services.template_preview(event="test.news", channel="email", language="en")
        assert preview == {"title": "News: [headline]", "body": "Hello [recipient.email], [headline] happened.",
                           "source": "notice"}  # fmt: skip
        draft = services.template_preview(event="test.news", channel="email", language="en", title="T {{ x }}",
                                          body="B")  # fmt: skip
        assert draft["title"] == "T [x]" and draft["source"] == "draft"


def test_a_template_that_fails_to_render_falls_back_and_records_the_error(
    acme, acme_member, notices, inline_send, django_capture_on_commit_callbacks
):
    with schema_context(acme.schema_name):  # an older row the current checks would refuse
        NotificationTemplate.objects.create(event="test.news", channel="email", language="en", title="{% if %}",
                                            body="broken")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(event="test.news", tenant=acme, payload={"to": [str(acme_member.pk)], "headline": "H"})
    assert mail.outbox[0].subject == "News: H"  # the next level: the notice's own text; the message is not lost
    with schema_context(acme.schema_name):
        row = NotificationTemplate.objects.get()
        assert "does not compile" in row.last_error and row.last_error_at is not None
