"""GDPR requests and consent: the write side.

Request lifecycle: received -> in_progress -> completed | failed, or received -> rejected. Every
state change is written to history and to the audit log (platform chain, subject = the person).
The export and erasure themselves live in ``export.py`` and ``erasure.py`` and run as Celery tasks.
"""

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit import writes
from apps.audit.services import audit_record
from apps.core.events import publish
from apps.core.numbering import number_allocate

from .models import (
    OPEN_STATUSES,
    ConsentPurpose,
    ConsentRecord,
    ConsentSource,
    GdprRequest,
    GdprRequestKind,
    GdprRequestSource,
    due_at_for,
)

Status = GdprRequest.Status
REQUEST_SERIES = "GDPR"  # GDPR-000001 (apps.core.numbering)


def email_hash(email: str) -> str:
    key = f"gdpr-email:{settings.SECRET_KEY}".encode()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def _audit(request: GdprRequest, action: str, acting_user: Any, before: Any = None, after: Any = None) -> None:
    audit_record(
        action=f"gdpr.{action}",
        acting_user=acting_user,
        tenant=None,
        target=request,
        before=before,
        after=after,
        subject_user=request.subject,
    )


def request_payload(request: GdprRequest, *, address: str = "") -> dict[str, Any]:
    """What the notices of a request are rendered with (apps.gdpr.notices picks the recipients).
    `address`: for a completed erasure only, the address the person had (their account is gone)."""
    return {
        "number": request.number,
        "kind": request.kind,
        "kind_label": request.get_kind_display(),
        "status": request.status,
        "status_label": request.get_status_display(),
        "due_date": f"{request.due_at:%Y-%m-%d}",
        "subject_id": str(request.subject_id),
        "source": request.source,
        "reason": request.rejection_reason,
        "address": address,
    }


def _publish(request: GdprRequest, event: str, *, address: str = "") -> None:
    """Tell the person (and, on receipt of an erasure, their organisation's admins) after commit."""
    publish(event, request_payload(request, address=address), tenant=request.tenant)


@transaction.atomic
def gdpr_request_create(
    *,
    subject: Any,
    kind: str,
    acting_user: Any,
    notes: str = "",
    enqueue: bool = True,
    tenant: Any = None,
    source: str = GdprRequestSource.ADMIN,
) -> GdprRequest:
    """Register a request for ``subject``, due `GDPR_REQUEST_DUE_MONTHS` after receipt; access/erasure are
    queued to run at once when ``enqueue``. The person is told it was received (notice
    `gdpr.request_received`). One open request per person and kind (a database constraint)."""
    if kind not in GdprRequestKind.values:
        raise ValidationError({"kind": f"Unknown request kind “{kind}”."}, code="invalid_kind")
    if GdprRequest.objects.filter(subject=subject, kind=kind, status__in=OPEN_STATUSES).exists():
        raise ValidationError(
            f"{subject.email} already has an open {kind} request; wait for it to finish.", code="duplicate"
        )
    if kind == GdprRequestKind.ERASURE:
        from .erasure import legal_holds

        holds = legal_holds(subject)
        if holds:
            raise ValidationError(
                "This person cannot be erased while legal holds apply: " + "; ".join(holds), code="legal_hold"
            )
    if kind == GdprRequestKind.RECTIFICATION and not notes.strip():
        raise ValidationError({"notes": "Say what must be corrected."}, code="notes_required")
    if source not in GdprRequestSource.values:
        raise ValidationError({"source": f"Unknown request source “{source}”."}, code="invalid_source")
    now = timezone.now()
    request = GdprRequest(
        number=number_allocate(REQUEST_SERIES)[1],
        subject=subject,
        subject_email_hash=email_hash(subject.email),
        kind=kind,
        requested_at=now,
        due_at=due_at_for(now),
        requested_by=writes.history_user(acting_user),
        notes=notes.strip(),
        tenant=tenant,
        source=source,
    )
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin loses cleanly
            writes.save(request, acting_user=acting_user, force_insert=True)
    except IntegrityError as exc:
        if "gdpr_request_one_open_per_kind" not in str(exc):
            raise
        raise ValidationError(
            f"{subject.email} already has an open {kind} request; wait for it to finish.", code="duplicate"
        ) from exc
    _audit(request, "request_received", acting_user,
           after={"number": request.number, "kind": kind, "source": source})  # fmt: skip
    _publish(request, "gdpr.request_received")
    if enqueue and kind in (GdprRequestKind.ACCESS, GdprRequestKind.ERASURE):
        from .tasks import run_request

        transaction.on_commit(lambda: run_request.delay(request.pk))
    return request


@transaction.atomic
def gdpr_erasure_self_request(
    *, user: Any, tenant: Any, source: str, password: str, confirmed: bool, acting_user: Any
) -> GdprRequest:
    """The person asks for the erasure of their own data (portal or API), confirming twice: the explicit
    confirmation and their password (when they have one: a person without a usable password, e.g.
    signed in by a one-time link, confirms only). The request waits for staff, who complete it with
    the erasure (apps.gdpr.erasure) from the admin; the person and their organisation's admins are told."""
    if not confirmed:
        message = "Confirm that you want all your personal data erased."
        raise ValidationError({"confirm": ValidationError(message, code="confirmation_required")})
    if user.has_usable_password() and not user.check_password(password or ""):
        raise ValidationError({"password": ValidationError("The password is not correct.", code="password_incorrect")})
    if source not in (GdprRequestSource.PORTAL, GdprRequestSource.API):
        raise ValidationError(
            {"source": ValidationError("A person asks through the portal or the API.", code="invalid_source")}
        )
    return gdpr_request_create(
        subject=user, kind=GdprRequestKind.ERASURE, acting_user=acting_user, enqueue=False, tenant=tenant,
        source=source,
    )  # fmt: skip


def tenant_requests(tenant: Any) -> Any:
    """The GDPR requests an organisation's admins see: asked through it, or about one of its members
    (a staff-registered request; after an erasure the membership is gone but the first rule keeps the
    requests asked through the portal or the API)."""
    from django.db.models import Exists, OuterRef, Q

    from apps.accounts.models import Membership

    member = Membership.objects.filter(user_id=OuterRef("subject_id"), tenant=tenant).exclude(
        status=Membership.Status.REMOVED
    )
    return GdprRequest.objects.filter(Q(tenant=tenant) | Q(Exists(member)))


def gdpr_request_progress(request: GdprRequest, percent: int, message: str) -> None:
    """Progress is operational, not history: one UPDATE, visible at once when run outside a transaction."""
    percent = max(0, min(100, percent))
    GdprRequest.objects.filter(pk=request.pk).update(progress=percent, progress_message=message[:255])
    request.progress, request.progress_message = percent, message[:255]


def _transition(request: GdprRequest, new: str, acting_user: Any, **fields: Any) -> GdprRequest:
    before = request.status
    request.status = new
    for name, value in fields.items():
        setattr(request, name, value)
    writes.save(request, acting_user=acting_user)
    after: dict[str, Any] = {"status": new}
    if fields.get("rejection_reason"):
        after["reason"] = fields["rejection_reason"]
    if fields.get("error"):
        after["error"] = fields["error"][:500]
    _audit(request, f"request_{new}", acting_user, before={"status": before}, after=after)
    return request


@transaction.atomic
def gdpr_request_start(*, request: GdprRequest, acting_user: Any = None) -> GdprRequest:
    request = writes.locked(request)
    if request.status != Status.RECEIVED:
        raise ValidationError(f"{request.number} is {request.get_status_display().lower()}: it cannot start.")
    return _transition(request, Status.IN_PROGRESS, acting_user)


@transaction.atomic
def gdpr_request_complete(
    *, request: GdprRequest, acting_user: Any = None, notify_address: str = "", **fields: Any
) -> GdprRequest:
    """Complete an open request and tell the person (`gdpr.request_completed`). After an erasure the
    account is anonymised: ``notify_address`` is the address the person had, told by email only."""
    request = writes.locked(request)
    if request.status not in OPEN_STATUSES:
        raise ValidationError(f"{request.number} is already {request.get_status_display().lower()}.")
    request = _transition(
        request, Status.COMPLETED, acting_user, completed_at=timezone.now(), progress=100, overdue=False, **fields
    )
    _publish(request, "gdpr.request_completed", address=notify_address)
    return request


@transaction.atomic
def gdpr_request_reject(*, request: GdprRequest, reason: str, acting_user: Any) -> GdprRequest:
    if not reason.strip():
        raise ValidationError({"rejection_reason": "Give the reason for the rejection."}, code="reason_required")
    request = writes.locked(request)
    if request.status not in OPEN_STATUSES:
        raise ValidationError(f"{request.number} is already {request.get_status_display().lower()}.")
    request = _transition(request, Status.REJECTED, acting_user, rejection_reason=reason.strip(), overdue=False)
    _publish(request, "gdpr.request_rejected")
    return request


@transaction.atomic
def gdpr_request_fail(*, request: GdprRequest, error: str, acting_user: Any = None) -> GdprRequest:
    request = writes.locked(request)
    return _transition(request, Status.FAILED, acting_user, error=error[:2000])


def gdpr_overdue_flag(*, now: datetime | None = None) -> int:
    """Daily: flag open requests past their due date (one UPDATE); returns how many were newly flagged."""
    return GdprRequest.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now or timezone.now(), overdue=False).update(
        overdue=True
    )


def gdpr_exports_expire(*, now: datetime | None = None) -> int:
    """Daily: delete the export archives whose download window has closed (the request keeps its
    checksum and size as the record of what was sent). Returns how many archives were removed."""
    from pathlib import Path

    now = now or timezone.now()
    expired = list(
        GdprRequest.objects.filter(result_expires_at__lt=now).exclude(result_path="").values_list("pk", "result_path")
    )
    for _, path in expired:
        Path(path).unlink(missing_ok=True)
    GdprRequest.objects.filter(pk__in=[pk for pk, _ in expired]).update(result_path="")
    return len(expired)


# --- Consent -------------------------------------------------------------------------------------


@transaction.atomic
def consent_set(
    *,
    user: Any,
    purpose: str,
    granted: bool,
    source: str,
    acting_user: Any,
    tenant: Any = None,
    evidence: dict[str, Any] | None = None,
) -> ConsentRecord:
    """Append a grant or a withdrawal; the latest record per purpose is the person's current choice."""
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": f"Unknown consent purpose “{purpose}”."}, code="invalid_purpose")
    if source not in ConsentSource.values:
        raise ValidationError({"source": f"Unknown consent source “{source}”."}, code="invalid_source")
    now = timezone.now()
    record = ConsentRecord(
        user=user,
        tenant=tenant,
        purpose=purpose,
        granted=bool(granted),
        granted_at=now if granted else None,
        withdrawn_at=None if granted else now,
        source=source,
        evidence=evidence or {},
        created_at=now,
    )
    if not granted:
        previous = consent_latest(user=user, purposes=[purpose]).get(purpose)
        record.granted_at = previous.granted_at if previous is not None and previous.granted else None
    writes.save(record, acting_user=acting_user, force_insert=True)
    audit_record(
        action="gdpr.consent_granted" if granted else "gdpr.consent_withdrawn",
        acting_user=acting_user,
        tenant=tenant,
        target=record,
        after={"purpose": purpose, "source": source},
        subject_user=user,
    )
    return record


def consent_latest(*, user: Any, purposes: Iterable[str] | None = None) -> dict[str, ConsentRecord]:
    """purpose -> the person's latest record (one query: DISTINCT ON purpose)."""
    qs = ConsentRecord.objects.filter(user=user)
    if purposes is not None:
        qs = qs.filter(purpose__in=list(purposes))
    rows = qs.order_by("purpose", "-created_at", "-id").distinct("purpose")
    return {row.purpose: row for row in rows}
