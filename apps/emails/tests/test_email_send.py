"""email_send: rendered from templates/emails, sent through Django's backend, every outcome recorded."""

import socket
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.core import mail

from apps.core.correlation import reset_correlation_id, set_correlation_id
from apps.emails.models import EmailDelivery
from apps.emails.services import email_render, email_send, email_send_many
from apps.invitations.services import invitation_create

pytestmark = pytest.mark.django_db

# The one template every notification email is rendered with (apps/notifications renders the message).
CONTEXT = {
    "title": "You are invited to join Acme",
    "body": "Ada Admin has invited you to join Acme.",
    "url": "https://acme.example/accept/tok/",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_renders_subject_text_and_html():
    subject, text, html = email_render(template="notification", context=CONTEXT)
    assert subject == "You are invited to join Acme"
    assert "Ada Admin has invited you to join Acme" in text
    assert "https://acme.example/accept/tok/" in text
    assert html is not None and 'href="https://acme.example/accept/tok/"' in html


def test_a_sent_email_is_recorded_with_tenant_and_correlation_id(acme):
    token = set_correlation_id("corr-mail-1")
    try:
        delivery = email_send(template="notification", to="x@example.test", context=CONTEXT, tenant=acme)
    finally:
        reset_correlation_id(token)
    (message,) = mail.outbox
    # Sent for a tenant, the email carries the tenant's product name (its branding, else the product's).
    assert message.subject == "You are invited to join Acme"
    assert message.alternatives[0][1] == "text/html"
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.SENT and delivery.sent_at is not None
    assert (delivery.recipient, delivery.template, delivery.tenant, delivery.error) == (
        "x@example.test", "notification", acme, ""
    )  # fmt: skip
    assert delivery.correlation_id == "corr-mail-1"


def test_attachments_go_with_one_email_and_with_each_of_many():
    files = [("report.csv", b"Person,Days\r\nAda,3\r\n", "text/csv"), ("logo.png", b"\x89PNG\r\n", "image/png")]
    email_send(template="notification", to="one@example.test", context=CONTEXT, attachments=files[:1])
    records = email_send_many(template="notification", attachments=files,
                              messages=[("a@example.test", CONTEXT), ("b@example.test", CONTEXT)])  # fmt: skip
    one, *many = mail.outbox
    assert one.attachments == [("report.csv", "Person,Days\r\nAda,3\r\n", "text/csv")]  # text is decoded
    assert [m.to for m in many] == [["a@example.test"], ["b@example.test"]]
    assert all([name for name, _, _ in m.attachments] == ["report.csv", "logo.png"] for m in many)
    assert many[0].attachments[1] == ("logo.png", b"\x89PNG\r\n", "image/png")
    assert all(m.alternatives[0][1] == "text/html" for m in mail.outbox)  # the HTML body is kept
    assert [r.status for r in records] == [EmailDelivery.Status.SENT] * 2
    message = message_from_bytes(many[0].message().as_bytes())
    assert [part.get_filename() for part in message.walk() if part.get_filename()] == ["report.csv", "logo.png"]


def test_a_backend_failure_is_recorded_not_raised(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()  # nothing listens there
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    delivery = email_send(template="notification", to="x@example.test", context=CONTEXT)
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.FAILED and delivery.sent_at is None
    assert "Connection" in delivery.error or "refused" in delivery.error


def test_a_missing_template_is_recorded_as_failed():
    delivery = email_send(template="no_such_template", to="x@example.test", context={})
    assert delivery.status == EmailDelivery.Status.FAILED
    assert "TemplateDoesNotExist" in delivery.error
    assert mail.outbox == []


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free local port, with Django's SMTP backend pointed at it."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield inbox
    finally:
        controller.stop()


def test_an_invitation_travels_through_a_real_smtp_server(
    smtp_server, acme, acme_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(
            tenant=acme, email="smtp@example.test", role="member", acting_user=acme_admin,
            site_url="http://acme.localhost:8000/",
        )  # fmt: skip
    ((mail_from, recipients, message),) = smtp_server.messages
    assert recipients == ["smtp@example.test"]
    assert "no-reply@" in mail_from
    assert message["Subject"] == "You are invited to join Acme"
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    accept_url = f"http://acme.localhost:8000/manage/invitations/accept/{invitation.token}/"
    assert accept_url in parts["text/plain"] and accept_url in parts["text/html"]
    delivery = EmailDelivery.objects.get(recipient="smtp@example.test")
    assert delivery.status == EmailDelivery.Status.SENT


def test_the_delivery_log_is_read_only_in_the_staff_admin(platform_client, platform_superuser, acme):
    delivery = email_send(template="notification", to="x@example.test", context=CONTEXT, tenant=acme)
    platform_client.force_login(platform_superuser)
    response = platform_client.get("/admin/emails/emaildelivery/?status=sent&q=x%40example")
    assert response.status_code == 200
    assert "x@example.test" in response.content.decode()
    assert platform_client.get(f"/admin/emails/emaildelivery/{delivery.pk}/change/").status_code == 200
    assert platform_client.get("/admin/emails/emaildelivery/add/").status_code == 403
    response = platform_client.post(f"/admin/emails/emaildelivery/{delivery.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert EmailDelivery.objects.filter(pk=delivery.pk).exists()
