"""Outgoing email: render a template set, send it through Django's email backend, record the outcome."""

import logging
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone

from apps.core import hooks
from apps.core.correlation import get_correlation_id

from .models import EmailDelivery

logger = logging.getLogger(__name__)

Attachment = tuple[str, bytes, str]  # file name, content, MIME type


def email_render(*, template: str, context: dict[str, Any]) -> tuple[str, str, str | None]:
    """Subject, text body and (when the template set has one) HTML body of `templates/emails/<template>`."""
    base = f"emails/{template}"
    # A subject is one line; template newlines would be a header-injection error in the backend.
    subject = " ".join(render_to_string(f"{base}.subject.txt", context).split())
    text = render_to_string(f"{base}.txt", context)
    try:
        html: str | None = render_to_string(f"{base}.html", context)
    except TemplateDoesNotExist:
        html = None
    return subject, text, html


def email_branding(*, tenant: Any, context: dict[str, Any]) -> tuple[str, list[str], dict[str, Any]]:
    """The sender, reply-to and context of an email sent for `tenant`, branded by the hook
    "emails.branding_for_tenant" (`fn(*, tenant) -> branding` with `email_sender_name`, `support_email`
    and `product_name`; apps.branding declares it in its contributions.py: emails is a platform service
    and never imports a domain app).

    The sender keeps the platform's address with the organisation's display name ("Acme HR
    <no-reply@...>"); replies go to the organisation's support email when it has one. Templates get
    `product_name`, `support_email` and `branding` unless the caller passed them.
    """
    brand = hooks.all("emails.branding_for_tenant")
    if not brand:  # no app brands emails: the platform's sender
        return settings.DEFAULT_FROM_EMAIL, [], dict(context)
    branding = brand[-1](tenant=tenant)
    sender = formataddr((branding.email_sender_name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))
    reply_to = [branding.support_email] if branding.support_email else []
    defaults = {"product_name": branding.product_name, "support_email": branding.support_email, "branding": branding}
    return sender, reply_to, {**defaults, **context}


def _message(
    rendered: tuple[str, str, str | None], *, sender: str, to: str, reply_to: list[str],
    attachments: list[Attachment] | None, connection: Any = None, message_id: str = "",
) -> EmailMultiAlternatives:  # fmt: skip
    subject, text, html = rendered
    headers = {"Message-ID": message_id} if message_id else None
    message = EmailMultiAlternatives(subject, text, sender, [to], reply_to=reply_to, connection=connection,
                                     headers=headers)  # fmt: skip
    if html is not None:
        message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments or ():
        message.attach(filename, content, mimetype)
    return message


def email_send(
    *, template: str, to: str, context: dict[str, Any], tenant: Any = None, attachments: list[Attachment] | None = None
) -> EmailDelivery:
    """Send one email and record it. Never raises for a delivery failure: the record says `failed`.

    Call it from services through `transaction.on_commit`, so a rolled-back write sends nothing.
    With a tenant, the email carries the tenant's branding (`email_branding`). `attachments` are
    (file name, content, MIME type) files attached as they are.
    """
    delivery = EmailDelivery.objects.create(
        recipient=to, template=template, tenant=tenant, correlation_id=get_correlation_id()
    )
    try:
        sender: str = settings.DEFAULT_FROM_EMAIL
        reply_to: list[str] = []
        if tenant is not None:
            sender, reply_to, context = email_branding(tenant=tenant, context=context)
        rendered = email_render(template=template, context=context)
        delivery.subject = rendered[0][:255]
        _message(rendered, sender=sender, to=to, reply_to=reply_to, attachments=attachments).send()
    except Exception as exc:  # noqa: BLE001 - any backend or template failure is recorded, not raised
        logger.warning("Email %s to %s failed: %s", template, to, exc)
        delivery.status, delivery.error = EmailDelivery.Status.FAILED, f"{type(exc).__name__}: {exc}"
    else:
        delivery.status, delivery.sent_at = EmailDelivery.Status.SENT, timezone.now()
    delivery.save(update_fields=["subject", "status", "error", "sent_at"])
    return delivery


def email_send_many(
    *,
    template: str,
    messages: list[tuple[str, dict[str, Any]]],
    tenant: Any = None,
    attachments: list[Attachment] | None = None,
    message_ids: list[str] | None = None,
) -> list[EmailDelivery]:
    """Send many emails of one template set (and one tenant's branding) over ONE backend connection,
    and record them with one bulk insert. Returns the records, in the order of `messages`; like
    `email_send`, a failure is recorded (`failed` with the error), never raised. `attachments`
    ((file name, content, MIME type)) go with every message. `message_ids` (in the order of
    `messages`) are the messages' Message-ID headers: a caller that may send the same message again
    (a re-sent chunk after a worker died) passes a stable one, so the copy is recognisably the same.

    Bulk senders (notifications' fan-out) call it per chunk of a few hundred messages.
    """
    if not messages:
        return []
    sender: str = settings.DEFAULT_FROM_EMAIL
    reply_to: list[str] = []
    branded: dict[str, Any] = {}
    if tenant is not None:
        sender, reply_to, branded = email_branding(tenant=tenant, context={})
    correlation_id = get_correlation_id()
    records = []
    ids = message_ids or [""] * len(messages)
    with get_connection() as backend:
        for (to, context), message_id in zip(messages, ids, strict=True):
            record = EmailDelivery(recipient=to, template=template, tenant=tenant, correlation_id=correlation_id)
            try:
                rendered = email_render(template=template, context={**branded, **context})
                record.subject = rendered[0][:255]
                _message(rendered, sender=sender, to=to, reply_to=reply_to, attachments=attachments,
                         connection=backend, message_id=message_id).send()  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - recorded per message, the others still go
                logger.warning("Email %s to %s failed: %s", template, to, exc)
                record.status, record.error = EmailDelivery.Status.FAILED, f"{type(exc).__name__}: {exc}"
            else:
                record.status, record.sent_at = EmailDelivery.Status.SENT, timezone.now()
            records.append(record)
    return EmailDelivery.objects.bulk_create(records)
