"""Support desk writes: open, reply (staff or tenant side), internal note, assign, status, priority.

Every write locks the ticket row, keeps history (simple-history + TicketEvent) and an audit event in
the tenant's chain, and sends its emails after commit. Tenants never write internal notes: only
support staff (staff role support, super admins) may, and the database refuses an internal message
not flagged from_staff.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.staff_roles import SUPER_ADMIN, SUPPORT
from apps.audit import writes
from apps.audit.services import audit_record
from apps.core.correlation import get_correlation_id
from apps.core.events import publish
from apps.core.numbering import number_allocate
from apps.core.uploads import ALL_TYPES, sniff, upload_check

from . import notifications, sla
from .models import (
    MAX_ATTACHMENT_BYTES,
    CannedResponse,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketMessage,
    TicketPriority,
    TicketStatus,
)
from .payloads import ticket_payload, ticket_replied_payload

# What a ticket takes, by the file's real (sniffed) type: screenshots, PDF, text, CSV, Word, Excel.
ALLOWED_CONTENT_TYPES = ALL_TYPES
MAX_ATTACHMENTS = 5
TICKET_SERIES = "TKT"  # TKT-000123 (apps.core.numbering)
AGENT_ROLES = [SUPPORT, SUPER_ADMIN]  # staff roles that work tickets (not billing_admin)
ACTING_USER: Any = object()  # ticket_open: the requester is the acting user unless given (None = nobody)

S = TicketStatus
# Staff may move a ticket along these edges; closed is final.
TRANSITIONS: dict[str, set[str]] = {
    S.OPEN: {S.IN_PROGRESS, S.WAITING_ON_CUSTOMER, S.RESOLVED, S.CLOSED},
    S.IN_PROGRESS: {S.OPEN, S.WAITING_ON_CUSTOMER, S.RESOLVED, S.CLOSED},
    S.WAITING_ON_CUSTOMER: {S.OPEN, S.IN_PROGRESS, S.RESOLVED, S.CLOSED},
    S.RESOLVED: {S.OPEN, S.CLOSED},
    S.CLOSED: set(),
}
# The tenant side may only close its ticket (or reopen a resolved one by replying).
TENANT_TRANSITIONS: dict[str, set[str]] = {status: ({S.CLOSED} if status != S.CLOSED else set()) for status in S}


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def is_support_agent(user: Any) -> bool:
    """Platform staff who work tickets: super admins and the support role (billing_admin does not)."""
    if not (getattr(user, "is_authenticated", False) and user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=AGENT_ROLES).exists()


def _require_agent(user: Any) -> None:
    if not is_support_agent(user):
        raise PermissionDenied("Only support staff may do this.")


def _event(ticket: Ticket, kind: str, acting_user: Any, from_value: str = "", to_value: str = "") -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        from_value=from_value[:200],
        to_value=to_value[:200],
        actor=writes.history_user(acting_user),
        correlation_id=get_correlation_id(),
    )


def attachments_validate(files: Iterable[UploadedFile]) -> list[UploadedFile]:
    """Clear errors for files that are too big, of a type we do not take, or too many."""
    files = [f for f in files if f]
    if len(files) > MAX_ATTACHMENTS:
        raise _error("attachments", f"Attach at most {MAX_ATTACHMENTS} files.", "too_many_attachments")
    for upload in files:
        upload_check(upload, accept=ALLOWED_CONTENT_TYPES, max_bytes=MAX_ATTACHMENT_BYTES, field="attachments")
    return files


def _attach(message: TicketMessage, files: list[UploadedFile]) -> None:
    for upload in files:
        name = (upload.name or "file").rsplit("/", 1)[-1][:200]
        content_type = sniff(upload) or "application/octet-stream"
        TicketAttachment.objects.create(
            message=message, file=upload, filename=name, content_type=content_type, size=upload.size or 0
        )


@transaction.atomic
def ticket_open(
    *,
    tenant: Any,
    subject: str,
    description: str,
    acting_user: Any,
    requester: Any = ACTING_USER,
    priority: str = TicketPriority.MEDIUM,
    category: str = Ticket.Category.GENERAL,
    attachments: Iterable[UploadedFile] = (),
    now: datetime | None = None,
) -> Ticket:
    """Open a ticket for `tenant` (a tenant admin from the portal/API, or staff on its behalf, then the
    requester is a member of the tenant or None)."""
    files = attachments_validate(attachments)
    now = now or timezone.now()
    ticket = Ticket(
        tenant=tenant,
        requester=writes.history_user(acting_user) if requester is ACTING_USER else requester,
        subject=subject.strip(),
        description=description.strip(),
        priority=priority,
        category=category,
        created_at=now,
        correlation_id=get_correlation_id(),
    )
    ticket.number = "TKT-PENDING"
    ticket.full_clean(exclude=["number"])
    _, ticket.number = number_allocate(TICKET_SERIES)
    sla.sla_clocks_set(ticket)
    writes.save(ticket, acting_user=acting_user)
    if files:
        message = TicketMessage.objects.create(
            ticket=ticket,
            author=ticket.requester,
            body=ticket.description,
            from_staff=False,
            created_at=now,
            correlation_id=ticket.correlation_id,
        )
        _attach(message, files)
    _event(ticket, TicketEvent.Kind.CREATED, acting_user, to_value=ticket.status)
    audit_record(
        action="support.ticket_opened",
        acting_user=acting_user,
        tenant=tenant,
        target=ticket,
        after={"number": ticket.number, "subject": ticket.subject, "priority": ticket.priority},
    )
    publish("ticket.created", ticket_payload(ticket), tenant=ticket.tenant)  # delivered after commit
    transaction.on_commit(lambda: notifications.ticket_opened_notify(ticket_id=ticket.pk))
    return ticket


def _reply_check(ticket: Ticket) -> None:
    if ticket.status == TicketStatus.CLOSED:
        raise _error(
            "body", f"Ticket {ticket.number} is closed; open a new ticket instead of replying.", "ticket_closed"
        )


def _message(
    ticket: Ticket,
    *,
    body: str,
    acting_user: Any,
    from_staff: bool,
    internal: bool,
    files: list[UploadedFile],
    now: datetime,
) -> TicketMessage:
    if not body.strip():
        raise _error("body", "Write a message.", "body_required")
    message = TicketMessage(
        ticket=ticket,
        author=writes.history_user(acting_user),
        body=body.strip(),
        is_internal=internal,
        from_staff=from_staff,
        created_at=now,
        correlation_id=get_correlation_id(),
    )
    message.full_clean()
    message.save()
    _attach(message, files)
    return message


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    body: str,
    acting_user: Any,
    from_staff: bool,
    attachments: Iterable[UploadedFile] = (),
    now: datetime | None = None,
) -> TicketMessage:
    """A public reply. Staff side: the first one stops the first-response clock, the requester is
    emailed. Tenant side: a ticket waiting on the customer (or resolved) goes back to open, the
    assignee (or the support address) is emailed. A closed ticket takes no reply."""
    if from_staff:
        _require_agent(acting_user)
    files = attachments_validate(attachments)
    now = now or timezone.now()
    ticket = writes.locked(ticket, "tenant")
    _reply_check(ticket)
    message = _message(
        ticket, body=body, acting_user=acting_user, from_staff=from_staff, internal=False, files=files, now=now
    )
    sla.sla_flags_refresh(ticket, now=now)
    if from_staff and ticket.first_responded_at is None:
        ticket.first_responded_at = now
    if not from_staff and ticket.status in (S.WAITING_ON_CUSTOMER, S.RESOLVED):
        _status_apply(ticket, S.OPEN, acting_user, now=now)
    writes.save(ticket, acting_user=acting_user)
    _event(ticket, TicketEvent.Kind.REPLIED, acting_user, to_value="staff" if from_staff else "customer")
    audit_record(
        action="support.ticket_replied",
        acting_user=acting_user,
        tenant=ticket.tenant,
        target=ticket,
        after={"message": message.pk, "from_staff": from_staff},
    )
    if not message.is_internal:  # internal notes never leave the platform
        publish("ticket.replied", ticket_replied_payload(ticket, message), tenant=ticket.tenant)  # after commit
    transaction.on_commit(lambda: notifications.reply_notify(message_id=message.pk))
    return message


@transaction.atomic
def ticket_note_add(
    *,
    ticket: Ticket,
    body: str,
    acting_user: Any,
    attachments: Iterable[UploadedFile] = (),
    now: datetime | None = None,
) -> TicketMessage:
    """An internal note: support staff only, never shown to the tenant, never emailed."""
    if not is_support_agent(acting_user):
        raise PermissionDenied("Only support staff may add internal notes.")
    files = attachments_validate(attachments)
    now = now or timezone.now()
    ticket = writes.locked(ticket, "tenant")
    message = _message(ticket, body=body, acting_user=acting_user, from_staff=True, internal=True, files=files, now=now)
    _event(ticket, TicketEvent.Kind.NOTE, acting_user)
    audit_record(
        action="support.ticket_note_added",
        acting_user=acting_user,
        tenant=ticket.tenant,
        target=ticket,
        after={"message": message.pk},
    )
    return message


@transaction.atomic
def ticket_assign(*, ticket: Ticket, assignee: Any, acting_user: Any) -> Ticket:
    """Assign to a support agent (or unassign with None)."""
    _require_agent(acting_user)
    if assignee is not None and not is_support_agent(assignee):
        raise _error(
            "assignee", f"{assignee} is not support staff; tickets go to support staff only.", "assignee_not_support"
        )
    ticket = writes.locked(ticket, "tenant")
    before = ticket.assignee
    if before == assignee:
        return ticket
    ticket.assignee = assignee
    writes.save(ticket, acting_user=acting_user)
    _event(ticket, TicketEvent.Kind.ASSIGNED, acting_user, str(before or ""), str(assignee or ""))
    audit_record(
        action="support.ticket_assigned",
        acting_user=acting_user,
        tenant=ticket.tenant,
        target=ticket,
        before={"assignee": before.pk if before else None},
        after={"assignee": assignee.pk if assignee else None},
    )
    return ticket


def _status_apply(ticket: Ticket, status: str, acting_user: Any, *, now: datetime) -> None:
    """Move the clocks with the status (pause on waiting, resume off it, stamp resolved/closed)."""
    before = ticket.status
    if before == S.WAITING_ON_CUSTOMER:
        sla.sla_resume(ticket, now=now)
    if status == S.WAITING_ON_CUSTOMER:
        sla.sla_pause(ticket, now=now)
    if status == S.RESOLVED:
        ticket.resolved_at = now
    elif status == S.CLOSED:
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
    elif before == S.RESOLVED:
        ticket.resolved_at = None  # reopened
    ticket.status = status
    _event(ticket, TicketEvent.Kind.STATUS, acting_user, before, status)


@transaction.atomic
def ticket_status_set(
    *, ticket: Ticket, status: str, acting_user: Any, from_staff: bool = True, now: datetime | None = None
) -> Ticket:
    """Change the status along the allowed transitions (the tenant side may only close)."""
    if from_staff:
        _require_agent(acting_user)
    now = now or timezone.now()
    ticket = writes.locked(ticket, "tenant")
    if status == ticket.status:
        return ticket
    allowed = (TRANSITIONS if from_staff else TENANT_TRANSITIONS).get(ticket.status, set())
    if status not in allowed:
        raise _error(
            "status",
            f"A {ticket.get_status_display().lower()} ticket cannot become "
            f"{TicketStatus(status).label.lower() if status in S.values else status}.",
            "transition_invalid",
        )
    before = ticket.status
    sla.sla_flags_refresh(ticket, now=now)
    _status_apply(ticket, status, acting_user, now=now)
    writes.save(ticket, acting_user=acting_user)
    audit_record(
        action="support.ticket_status_changed",
        acting_user=acting_user,
        tenant=ticket.tenant,
        target=ticket,
        before={"status": before},
        after={"status": status},
    )
    return ticket


@transaction.atomic
def ticket_priority_set(*, ticket: Ticket, priority: str, acting_user: Any, now: datetime | None = None) -> Ticket:
    """Change the priority and recompute both SLA clocks from the new targets."""
    _require_agent(acting_user)
    if priority not in TicketPriority.values:
        raise _error("priority", f"Unknown priority {priority!r}.", "priority_invalid")
    now = now or timezone.now()
    ticket = writes.locked(ticket, "tenant")
    before = ticket.priority
    if before == priority:
        return ticket
    ticket.priority = priority
    sla.sla_clocks_set(ticket)
    sla.sla_flags_refresh(ticket, now=now)
    writes.save(ticket, acting_user=acting_user)
    _event(ticket, TicketEvent.Kind.PRIORITY, acting_user, before, priority)
    audit_record(
        action="support.ticket_priority_changed",
        acting_user=acting_user,
        tenant=ticket.tenant,
        target=ticket,
        before={"priority": before},
        after={"priority": priority},
    )
    return ticket


def canned_response_render(*, canned: CannedResponse, ticket: Ticket) -> str:
    """The canned body with {number}, {subject}, {tenant} and {requester} filled in."""
    requester = ticket.requester
    values = {
        "{number}": ticket.number,
        "{subject}": ticket.subject,
        "{tenant}": ticket.tenant.name,
        "{requester}": (requester.get_full_name() or requester.email) if requester else "there",
    }
    body = canned.body
    for key, value in values.items():
        body = body.replace(key, value)
    return body
