"""Sending a scheduled report: an email per recipient (a signed link that expires after 7 days, or the
file attached when the schedule says so) through the project's email path (apps.emails: branded, recorded
as deliveries; the console backend prints it under `make run`), and an in-app notice to the member
recipients (`report.delivered`, the `reports` category). External addresses are sent to only once they
confirmed; their confirmation email carries a signed link too."""

import hashlib
import logging
from typing import Any

from django.core.mail.utils import DNS_NAME
from django.db import connection
from django.utils import timezone

from apps.core.events import publish
from apps.emails.models import EmailDelivery
from apps.emails.services import Attachment, email_send, email_send_many

from . import links
from .models import Delivery, ExternalRecipient, GeneratedReport, ReportFormat, ReportRun
from .payloads import run_payload
from .rendering import CONTENT_TYPES
from .selectors import recipients_of

logger = logging.getLogger(__name__)
TEMPLATE = "reporting_delivery"
CONFIRM_TEMPLATE = "reporting_confirm"


class DeliveryFailed(Exception):
    """No recipient could be sent the report: the run is retried."""


def _tenant() -> Any:
    tenant = getattr(connection, "tenant", None)
    return tenant if getattr(tenant, "pk", None) else None


def _context(run: ReportRun, report: GeneratedReport, tenant: Any, email: str, attached: bool) -> dict[str, Any]:
    return {
        "title": report.title, "period_start": report.period_start, "period_end": report.period_end,
        "rows": report.rows, "format": report.get_format_display(), "attached": attached,
        "link": "" if attached else links.download_url(tenant, report.pk, email), "link_days": links.LINK_DAYS,
        "organisation": getattr(tenant, "name", ""), "occurrence": run.occurrence_key,
    }  # fmt: skip


def run_deliver(run: ReportRun, report: GeneratedReport) -> int:
    """Send `report` to the run's schedule's recipients; returns how many were sent to. Raises DeliveryFailed
    when there was nobody, or every email failed (the run is retried)."""
    tenant = _tenant()
    schedule = run.schedule
    assert schedule is not None  # only scheduled runs are delivered
    members, external = recipients_of(schedule)
    addresses = [user.email for user in members] + external
    if not addresses:
        raise DeliveryFailed("Nobody to send to: no active member and no confirmed address.")
    attached = schedule.delivery == Delivery.ATTACHMENT
    messages = [(email, _context(run, report, tenant, email, attached)) for email in addresses]
    records = email_send_many(template=TEMPLATE, messages=messages, tenant=tenant,
                              attachments=_attachment(report) if attached else None,
                              message_ids=[run_message_id(run, email) for email in addresses])  # fmt: skip
    sent = sum(1 for record in records if record.status == EmailDelivery.Status.SENT)
    if not sent:
        raise DeliveryFailed(f"Every email failed: {records[0].error if records else 'no records'}")
    run.status = ReportRun.Status.SENT
    publish("report.delivered", run_payload(run, members=[str(user.pk) for user in members],
                                            external=len(external)), tenant=tenant)  # fmt: skip
    return sent


def run_message_id(run: ReportRun, email: str) -> str:
    """The Message-ID of the run's email to `email`, the same on every attempt: a run re-sent after its
    worker died mid-send repeats the emails already sent, and a mail system can drop those copies."""
    schema = str(getattr(connection, "schema_name", ""))
    digest = hashlib.sha256(email.lower().encode()).hexdigest()[:16]
    return f"<report.{schema}.{run.pk}.{digest}@{DNS_NAME}>"


def _attachment(report: GeneratedReport) -> list[Attachment]:
    report.file.open("rb")
    try:
        content = report.file.read()
    finally:
        report.file.close()
    return [(report.filename, content, CONTENT_TYPES[ReportFormat(report.format)].split(";")[0])]


def confirmations_send(tenant: Any, recipient_ids: list[int]) -> int:
    """Ask each new external address to confirm (a signed link, valid 30 days); returns how many were sent."""
    sent = 0
    for recipient in ExternalRecipient.objects.filter(pk__in=recipient_ids).select_related("schedule__definition"):
        context = {"title": recipient.schedule.definition.name, "organisation": getattr(tenant, "name", ""),
                   "link": links.confirm_url(tenant, recipient.pk, recipient.email)}  # fmt: skip
        record = email_send(template=CONFIRM_TEMPLATE, to=recipient.email, context=context, tenant=tenant)
        if record.status == EmailDelivery.Status.SENT:
            ExternalRecipient.objects.filter(pk=recipient.pk).update(invited_at=timezone.now())
            sent += 1
    return sent
