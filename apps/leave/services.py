"""Writes on leave. Run in the tenant's schema.

- Requests: `leave_request_submit` counts the working minutes (published shifts, else the working
  pattern without the public holidays of the person's workplace), refuses with a reason code
  (`invalid_range`, `not_working_days`, `max_consecutive_days`, `attachment_required`,
  `overlaps_request`, `insufficient_balance`), writes the request and opens its approval request
  (kind "leave.request") in one transaction. The outcome comes back through
  `apps.leave.approval.on_decision` → `leave_request_decide`: approved writes the "taken" ledger entry
  in the deciding transaction. `leave_request_cancel` cancels a pending request (its approval too) or
  gives back an approved one, whole or from a date, with a "cancellation" entry.
- Ledger: every write is an insert with a unique idempotency key (`ledger_post`); accruals come from
  the engine in `accrual.py` (`leave_accrue`, run daily by the task), per-hour accruals from
  `leave_accrue_hours`; manual `balance_adjust` needs a reason and is audited.
"""

import datetime
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.approvals.services import request_cancel, request_submit
from apps.audit import writes
from apps.audit.services import audit_record
from apps.core.events import publish
from apps.tenancy.context import connection_tenant

from .accrual import Existing, Planned, planned_entries
from .models import (
    HOLDING_STATUSES,
    KIND,
    TAKEN_STATUSES,
    LeaveLedgerEntry,
    LeavePolicy,
    LeavePolicyAssignment,
    LeaveRequest,
    LeaveRequestStatus,
    LeaveType,
    LeaveUnit,
    WorkPattern,
)
from .payloads import leave_request_payload
from .selectors import (
    Coverage,
    approval_request_of,
    balance_available,
    coverage_for,
    working_minutes,
)

MAX_REQUEST_DAYS = 366
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENT_TYPES = (".pdf", ".png", ".jpg", ".jpeg", ".heic", ".webp")
TYPE_AUDITED = writes.Fields(
    "code",
    "name",
    "paid",
    "unit",
    "minutes_per_day",
    "attachment_required",
    "attachment_after_days",
    "max_consecutive_days",
    "requires_balance",
    "colour",
    "is_active",
)
POLICY_AUDITED = writes.Fields(
    "name",
    "accrual",
    "minutes_per_year",
    "pro_rata",
    "year_start_month",
    "carry_over_cap_minutes",
    "carry_over_expiry_months",
    "negative_limit_minutes",
    "is_active",
    leave_type="leave_type.code",
)
REQUEST_AUDITED = writes.Fields(
    "status",
    "start_date",
    "end_date",
    "effective_end",
    "minutes",
    "cancelled_from",
    "decision_reason",
    leave_type="leave_type.code",
)


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _user_id(user: Any) -> Any:
    return getattr(user, "pk", user)


# --- Types, patterns, policies, assignments -------------------------------------------------------


@transaction.atomic
def leave_type_save(*, leave_type: LeaveType | None = None, acting_user: Any, **fields: Any) -> LeaveType:
    """Create a leave type or change one (codes are upper-cased)."""
    created = leave_type is None
    row = leave_type if leave_type is not None else LeaveType()
    before = None if created else writes.snapshot(writes.locked(row), TYPE_AUDITED)
    if "code" in fields:
        fields["code"] = (fields["code"] or "").strip().upper()
    for name, value in fields.items():
        setattr(row, name, value)
    return writes.save_audited(
        row,
        action="leave.type_created" if created else "leave.type_updated",
        acting_user=acting_user,
        tenant=connection_tenant(),
        fields=TYPE_AUDITED,
        before=before,
    )


@transaction.atomic
def work_pattern_save(*, pattern: WorkPattern | None = None, acting_user: Any, **fields: Any) -> WorkPattern:
    row = pattern if pattern is not None else WorkPattern()
    for name, value in fields.items():
        setattr(row, name, value)
    return writes.save(row, acting_user=acting_user)


@transaction.atomic
def leave_policy_save(*, policy: LeavePolicy | None = None, acting_user: Any, **fields: Any) -> LeavePolicy:
    created = policy is None
    row = policy if policy is not None else LeavePolicy()
    before = None if created else writes.snapshot(writes.locked(row), POLICY_AUDITED)
    for name, value in fields.items():
        setattr(row, name, value)
    return writes.save_audited(
        row,
        action="leave.policy_created" if created else "leave.policy_updated",
        acting_user=acting_user,
        tenant=connection_tenant(),
        fields=POLICY_AUDITED,
        before=before,
    )


@transaction.atomic
def policy_assign(
    *,
    policy: LeavePolicy,
    entity: Any = None,
    user: Any = None,
    starts_on: datetime.date,
    person_start_date: datetime.date | None = None,
    home_workplace: Any = None,
    work_pattern: WorkPattern | None = None,
    acting_user: Any,
) -> LeavePolicyAssignment:
    """Assign a policy to an entity (its whole subtree) or to one person (a person's assignment wins)."""
    if (entity is None) == (user is None):
        raise _error("__all__", "Assign a policy to an entity or to a person, not both.", "invalid_target")
    duplicate = LeavePolicyAssignment.objects.filter(policy=policy)
    duplicate = duplicate.filter(entity=entity) if entity is not None else duplicate.filter(user_id=_user_id(user))
    if duplicate.exists():
        raise _error("__all__", "This policy is already assigned there.", "duplicate_assignment")
    row = LeavePolicyAssignment(
        policy=policy,
        entity=entity,
        user=user,
        starts_on=starts_on,
        person_start_date=person_start_date,
        home_workplace=home_workplace,
        work_pattern=work_pattern,
    )
    return writes.save_audited(
        row,
        action="leave.policy_assigned",
        acting_user=acting_user,
        tenant=connection_tenant(),
        before=None,
        fields=writes.Fields("starts_on", policy="policy.name", entity="entity.code", user="user.code"),
    )


# --- The ledger ------------------------------------------------------------------------------------


@transaction.atomic
def balance_adjust(
    *,
    user: Any,
    leave_type: LeaveType,
    minutes: int,
    reason: str,
    acting_user: Any,
    effective_on: datetime.date | None = None,
    idempotency_key: str = "",
) -> LeaveLedgerEntry:
    """A manual adjustment (positive or negative minutes) with a reason; audited."""
    reason = (reason or "").strip()
    if not reason:
        raise _error("reason", "Say why the balance changes.", "reason_required")
    if not isinstance(minutes, int) or minutes == 0 or abs(minutes) > 366 * 1440:
        raise _error("minutes", "Give a non-zero number of minutes.", "invalid_minutes")
    key = idempotency_key or f"adjust:{uuid.uuid4()}"
    existing = LeaveLedgerEntry.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    entry = LeaveLedgerEntry.objects.create(
        user_id=_user_id(user),
        leave_type=leave_type,
        kind=LeaveLedgerEntry.Kind.ADJUSTMENT,
        minutes=minutes,
        effective_on=effective_on or timezone.localdate(),
        idempotency_key=key,
        note=reason[:255],
        created_by=writes.history_user(acting_user),
    )
    audit_record(
        action="leave.balance_adjusted",
        acting_user=acting_user,
        tenant=connection_tenant(),
        target=entry,
        before=None,
        after={
            "user": str(entry.user_id),
            "leave_type": leave_type.code,
            "minutes": minutes,
            "reason": reason,
            "effective_on": entry.effective_on.isoformat(),
        },
    )
    return entry


def _existing(user_id: Any, leave_type_id: int) -> list[Existing]:
    rows = LeaveLedgerEntry.objects.filter(user_id=user_id, leave_type_id=leave_type_id).values_list(
        "kind", "minutes", "effective_on", "idempotency_key"
    )
    return [Existing(*row) for row in rows]


def _entry(user_id: Any, leave_type_id: int, planned: Planned) -> LeaveLedgerEntry:
    return LeaveLedgerEntry(
        user_id=user_id,
        leave_type_id=leave_type_id,
        kind=planned.kind,
        minutes=planned.minutes,
        effective_on=planned.effective_on,
        idempotency_key=planned.idempotency_key,
        note=planned.note,
    )


@transaction.atomic
def leave_accrue_person(*, coverage: Coverage, until: datetime.date) -> int:
    """Write the accruals, carry-overs and expiries the person's policy gives up to `until` (exactly once)."""
    policy = coverage.policy
    planned = planned_entries(
        user_id=coverage.user_id,
        leave_type_id=policy.leave_type_id,
        policy=policy,
        starts_on=coverage.starts_on,
        until=until,
        existing=_existing(coverage.user_id, policy.leave_type_id),
    )
    if not planned:
        return 0
    rows = [_entry(coverage.user_id, policy.leave_type_id, entry) for entry in planned]
    return len(LeaveLedgerEntry.objects.bulk_create(rows, ignore_conflicts=True))


def leave_accrue(*, today: datetime.date | None = None, user_ids: Any = None) -> int:
    """Run every person's policies up to `today` in this tenant: what the daily task does. Re-running
    writes nothing new (the idempotency keys)."""
    today = today or timezone.localdate()
    written = 0
    for coverage in coverage_for(user_ids=user_ids):
        if coverage.policy.is_active:
            written += leave_accrue_person(coverage=coverage, until=today)
    return written


@transaction.atomic
def leave_accrue_hours(
    *,
    user: Any,
    leave_type: LeaveType,
    hours_worked: float,
    period: str,
    effective_on: datetime.date,
    policy: LeavePolicy | None = None,
) -> LeaveLedgerEntry | None:
    """Per-hour accrual for `hours_worked` in `period` (e.g. "2026-W10"; the caller's key): at most one
    entry per (person, type, period) however often it is fed. The attendance app may call this."""
    if hours_worked < 0:
        raise _error("hours_worked", "Hours worked cannot be negative.", "invalid_hours")
    if policy is None:
        covered = [c for c in coverage_for(user_ids=[_user_id(user)]) if c.policy.leave_type_id == leave_type.pk]
        policy = covered[0].policy if covered else None
    if policy is None or policy.accrual != LeavePolicy.Accrual.PER_HOUR:
        return None
    minutes = round(float(policy.minutes_per_hour_worked) * hours_worked)
    key = f"accrual-hours:{_user_id(user)}:{leave_type.pk}:{period}"
    LeaveLedgerEntry.objects.bulk_create(
        [
            LeaveLedgerEntry(
                user_id=_user_id(user),
                leave_type=leave_type,
                kind="accrual",
                minutes=minutes,
                effective_on=effective_on,
                idempotency_key=key,
                note=f"{hours_worked:g} h worked ({period})",
            )
        ],
        ignore_conflicts=True,
    )
    return LeaveLedgerEntry.objects.filter(idempotency_key=key).first()


# --- Requests ------------------------------------------------------------------------------------


def _attachment_check(attachment: Any) -> None:
    if attachment is None:
        return
    name = (getattr(attachment, "name", "") or "").lower()
    if not name.endswith(ATTACHMENT_TYPES):
        raise _error("attachment", "Attach a PDF or an image (PNG, JPEG, HEIC, WebP).", "attachment_type")
    if (getattr(attachment, "size", 0) or 0) > ATTACHMENT_MAX_BYTES:
        raise _error("attachment", "Attachments are at most 5 MB.", "attachment_too_large")


def _shape_check(
    *,
    leave_type: LeaveType,
    start_date: Any,
    end_date: Any,
    start_half: bool,
    end_half: bool,
    start_time: Any,
    end_time: Any,
) -> None:
    if not isinstance(start_date, datetime.date) or not isinstance(end_date, datetime.date):
        raise _error("start_date", "Give the first and last day of the leave.", "invalid_range")
    if end_date < start_date:
        raise _error("end_date", "The leave ends before it starts.", "invalid_range")
    if (end_date - start_date).days >= MAX_REQUEST_DAYS:
        raise _error("end_date", f"A request covers at most {MAX_REQUEST_DAYS} days.", "invalid_range")
    hourly = start_time is not None or end_time is not None
    if hourly:
        if leave_type.unit != LeaveUnit.HOUR:
            raise _error(
                "start_time",
                f"{leave_type.name} is taken in {leave_type.get_unit_display().lower()}, not hours.",
                "invalid_range",
            )
        if start_time is None or end_time is None or end_time <= start_time or end_date != start_date:
            raise _error("end_time", "Hourly leave is one day, from a time to a later time.", "invalid_range")
        if start_half or end_half:
            raise _error("start_half", "Hourly leave has no half days.", "invalid_range")
    if (start_half or end_half) and leave_type.unit == LeaveUnit.DAY:
        raise _error("start_half", f"{leave_type.name} is taken in whole days.", "invalid_range")
    if start_date == end_date and start_half and end_half:
        raise _error("end_half", "One day is either the morning or the afternoon.", "invalid_range")


def _day_minutes(
    *,
    user: Any,
    leave_type: LeaveType,
    start_date: datetime.date,
    end_date: datetime.date,
    start_half: bool,
    end_half: bool,
    start_time: Any,
    end_time: Any,
) -> tuple[dict[str, int], Any]:
    """Working minutes per day of the request (only days with working time), and the workplace used."""
    per_day, workplace = working_minutes(user=user, start=start_date, end=end_date)
    counted: dict[str, int] = {}
    for day, minutes in per_day.items():
        if minutes <= 0:
            continue
        if start_time is not None:
            span = datetime.datetime.combine(day, end_time) - datetime.datetime.combine(day, start_time)
            minutes = min(minutes, int(span.total_seconds() // 60))
        elif (day == start_date and start_half) or (day == end_date and end_half):
            minutes = minutes // 2
        counted[day.isoformat()] = minutes
    return counted, workplace


@transaction.atomic
def leave_request_submit(
    *,
    user: Any,
    leave_type: LeaveType,
    start_date: datetime.date,
    end_date: datetime.date,
    start_half: bool = False,
    end_half: bool = False,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    reason: str = "",
    attachment: Any = None,
    acting_user: Any,
) -> LeaveRequest:
    """Ask for leave: checked, counted in working minutes, written and sent for approval, or refused
    with a reason code and nothing written."""
    if _user_id(acting_user) != _user_id(user):
        raise _error("__all__", "People ask for leave for themselves.", "not_requester")
    if not leave_type.is_active:
        raise _error("leave_type", f"{leave_type.name} is not offered any more.", "inactive_type")
    _shape_check(
        leave_type=leave_type,
        start_date=start_date,
        end_date=end_date,
        start_half=start_half,
        end_half=end_half,
        start_time=start_time,
        end_time=end_time,
    )
    _attachment_check(attachment)
    calendar_days = (end_date - start_date).days + 1
    if leave_type.max_consecutive_days and calendar_days > leave_type.max_consecutive_days:
        raise _error(
            "end_date",
            f"{leave_type.name} is at most {leave_type.max_consecutive_days} consecutive "
            f"days; this asks for {calendar_days}.",
            "max_consecutive_days",
        )
    counted, workplace = _day_minutes(
        user=user,
        leave_type=leave_type,
        start_date=start_date,
        end_date=end_date,
        start_half=start_half,
        end_half=end_half,
        start_time=start_time,
        end_time=end_time,
    )
    minutes = sum(counted.values())
    if not minutes:
        raise _error(
            "start_date",
            "None of these days is a working day for you (weekends, public holidays and days off are not counted).",
            "not_working_days",
        )
    working_days = len(counted)
    if leave_type.attachment_required and attachment is None:
        threshold = leave_type.attachment_after_days
        if threshold is None or working_days > threshold:
            beyond = f" beyond {threshold} days" if threshold is not None else ""
            raise _error(
                "attachment",
                f"{leave_type.name}{beyond} needs an attachment (e.g. a medical certificate).",
                "attachment_required",
            )
    overlapping = LeaveRequest.objects.filter(
        user_id=_user_id(user), status__in=HOLDING_STATUSES, start_date__lte=end_date, effective_end__gte=start_date
    ).first()
    if overlapping is not None:
        raise _error(
            "start_date",
            f"This overlaps your {overlapping.leave_type.name.lower()} request from "
            f"{overlapping.start_date:%d %b %Y} ({overlapping.get_status_display().lower()}).",
            "overlaps_request",
        )
    if leave_type.requires_balance:
        available, limit = balance_available(user=user, leave_type=leave_type, on=end_date)
        if minutes > available + limit:
            raise _error(
                "leave_type",
                f"This needs {minutes} minutes of {leave_type.name.lower()}; you will have "
                f"{available}" + (f" (and may go {limit} below zero)" if limit else "") + ".",
                "insufficient_balance",
            )
    row = LeaveRequest(
        user_id=_user_id(user),
        leave_type=leave_type,
        start_date=start_date,
        end_date=end_date,
        effective_end=end_date,
        start_half=start_half,
        end_half=end_half,
        start_time=start_time,
        end_time=end_time,
        reason=(reason or "").strip(),
        minutes=minutes,
        day_minutes=counted,
        workplace=workplace,
    )
    if attachment is not None:
        row.attachment = attachment
    try:
        with transaction.atomic():
            writes.save_audited(
                row,
                action="leave.requested",
                acting_user=acting_user,
                tenant=connection_tenant(),
                fields=REQUEST_AUDITED,
                before=None,
                validate_constraints=False,
            )
    except IntegrityError as exc:  # a concurrent request won the race: the exclusion constraint says so
        raise _error("start_date", "This overlaps another of your leave requests.", "overlaps_request") from exc
    request_submit(kind=KIND, subject=row, requester=user, acting_user=acting_user, note=row.reason)
    row.refresh_from_db()
    if row.status == LeaveRequestStatus.PENDING:
        publish("leave.requested", leave_request_payload(row), tenant=connection_tenant())
    return row


DECISIONS = {
    "approved": LeaveRequestStatus.APPROVED,
    "rejected": LeaveRequestStatus.REJECTED,
    "cancelled": LeaveRequestStatus.CANCELLED,
}


@transaction.atomic
def leave_request_decide(
    *, leave_request: LeaveRequest, outcome: str, acting_user: Any, reason: str = ""
) -> LeaveRequest:
    """Apply the approval's outcome: approved writes the "taken" entry. Idempotent: a decided request stays."""
    if outcome not in DECISIONS:
        raise ValueError(f"Unknown outcome {outcome!r}; expected one of {sorted(DECISIONS)}.")
    row = writes.locked(leave_request, "leave_type")
    if row.status != LeaveRequestStatus.PENDING:
        return row
    with writes.audited(
        row,
        action=f"leave.{outcome}",
        acting_user=acting_user,
        tenant=connection_tenant(),
        fields=REQUEST_AUDITED,
        validate_unique=False,
    ):
        row.status, row.decided_at = DECISIONS[outcome], timezone.now()
        row.decided_by = writes.history_user(acting_user)
        row.decision_reason = (reason or "").strip()
    if outcome == "approved":
        LeaveLedgerEntry.objects.bulk_create(
            [
                LeaveLedgerEntry(
                    user_id=row.user_id,
                    leave_type=row.leave_type,
                    kind="taken",
                    minutes=-row.minutes,
                    effective_on=row.start_date,
                    request=row,
                    idempotency_key=f"taken:{row.pk}",
                    note=f"Leave {row.start_date:%d %b} to {row.end_date:%d %b %Y}",
                )
            ],
            ignore_conflicts=True,
        )
    publish(f"leave.{outcome}", leave_request_payload(row), tenant=connection_tenant())
    return row


@transaction.atomic
def leave_request_cancel(
    *,
    leave_request: LeaveRequest,
    acting_user: Any,
    from_date: datetime.date | None = None,
    reason: str = "",
    as_admin: bool = False,
) -> LeaveRequest:
    """Cancel a request: a pending one with its approval request; an approved one whole (or from
    `from_date`, keeping the days before) with a "cancellation" entry giving the minutes back."""
    row = writes.locked(leave_request, "leave_type")
    own = _user_id(acting_user) == row.user_id
    if not own and not as_admin:
        raise _error("__all__", "Only the person on leave (or an administrator) cancels a request.", "not_requester")
    if row.status == LeaveRequestStatus.PENDING:
        if not own:
            raise _error("__all__", "A pending request is withdrawn by its requester (or rejected).", "not_requester")
        if from_date is not None and from_date > row.start_date:
            raise _error("from_date", "A pending request is cancelled whole.", "invalid_range")
        approval = approval_request_of(row)
        if approval is not None and approval.is_open:
            request_cancel(request=approval, acting_user=acting_user, reason=reason)  # on_decision cancels it
            row.refresh_from_db()
        if row.status == LeaveRequestStatus.PENDING:
            return leave_request_decide(leave_request=row, outcome="cancelled", acting_user=acting_user, reason=reason)
        return row
    if row.status not in TAKEN_STATUSES:
        raise _error("__all__", f"This request is already {row.get_status_display().lower()}.", "closed")
    start = row.start_date if from_date is None else from_date
    if start < row.start_date:
        start = row.start_date
    if start > row.effective_end:
        raise _error("from_date", "Nothing of this leave is left from that day.", "invalid_range")
    returned = sum(
        m
        for day, m in row.day_minutes.items()
        if datetime.date.fromisoformat(day) >= start and datetime.date.fromisoformat(day) <= row.effective_end
    )
    whole = start <= row.start_date
    with writes.audited(
        row,
        action="leave.cancelled",
        acting_user=acting_user,
        tenant=connection_tenant(),
        fields=REQUEST_AUDITED,
        validate_unique=False,
    ):
        row.cancelled_from = start
        if whole:
            row.status = LeaveRequestStatus.CANCELLED
        else:
            row.status = LeaveRequestStatus.PARTIALLY_CANCELLED
            row.effective_end = start - datetime.timedelta(days=1)
        row.minutes = max(0, row.minutes - returned)
        row.decision_reason = (reason or row.decision_reason or "").strip()
    if returned:
        LeaveLedgerEntry.objects.bulk_create(
            [
                LeaveLedgerEntry(
                    user_id=row.user_id,
                    leave_type=row.leave_type,
                    kind="cancellation",
                    minutes=returned,
                    effective_on=row.start_date,
                    request=row,
                    idempotency_key=f"cancel:{row.pk}:{start}",
                    note=f"Cancelled from {start:%d %b %Y}",
                    created_by=writes.history_user(acting_user),
                )
            ],
            ignore_conflicts=True,
        )
    publish("leave.cancelled", leave_request_payload(row), tenant=connection_tenant())
    return row
