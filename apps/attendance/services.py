"""Writes of attendance, in the tenant's schema.

- `records_compute(day)`: the day's records for everyone rostered or punching (or already recorded),
  in a handful of queries: the shifts around the day, their punches, approved leave, the existing
  hashes; the arithmetic in Python (computation.py); one bulk upsert per 2,000 rows that writes only
  rows whose hash changed (a rerun that changes nothing writes nothing).
- `overtime_generate(start, end)`: overtime records from those records under the overtime rules.
- corrections and overtime decisions follow their approvals (approval.py calls back here).
"""

import datetime
import json
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.approvals.models import ApprovalRequest
from apps.approvals.services import request_cancel, request_submit, workflow_active
from apps.audit import writes
from apps.core.events import publish, publish_many
from apps.leave.selectors import leave_days
from apps.rosters.selectors import shifts_between
from apps.tenancy.context import connection_tenant
from apps.timeclock.models import Punch
from apps.timeclock.selectors import punches_between
from apps.timeclock.services import punches_replace
from apps.workplaces.models import Workplace
from apps.workplaces.public_holidays import holidays_between

from .computation import AFTER_END, BEFORE_START, DayResult, day_compute, shift_for
from .models import (
    CORRECTION_KIND,
    OVERTIME_KIND,
    AttendanceCorrection,
    AttendanceRecord,
    CorrectionStatus,
    LateNotice,
    OvertimeReason,
    OvertimeRecord,
    OvertimeRule,
    OvertimeStatus,
)
from .payloads import correction_payload, late_payload, overtime_payload

UPSERT_BATCH = 2000
# Every time zone's day D lies within D 00:00 UTC - 14 h .. D+1 00:00 UTC + 12 h.
EARLIEST_OFFSET, LATEST_OFFSET = datetime.timedelta(hours=14), datetime.timedelta(hours=12)
CORRECTION_AUDITED = writes.Fields("date", "punches", "reason", "status", "decision_reason", user="user.email")
RULE_AUDITED = writes.Fields(
    "daily_threshold_minutes", "weekly_threshold_minutes", "daily_multiplier", "weekly_multiplier",
    "rest_day_counts", "rest_day_multiplier", "public_holiday_counts", "public_holiday_multiplier", "auto_submit",
    workplace="workplace.code",
)  # fmt: skip


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


# --- Daily records ---------------------------------------------------------------------------------


def _utc_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


def _zone_name(workplace: Any) -> str:
    """A workplace's time zone name (or the name itself), UTC when there is none."""
    return (workplace if isinstance(workplace, str) else getattr(workplace, "time_zone", None)) or "UTC"


def local_date(moment: datetime.datetime, workplace: Any) -> datetime.date:
    name = _zone_name(workplace)
    return moment.astimezone(zoneinfo.ZoneInfo(name)).date()


def local_day_end(day: datetime.date, workplace: Any) -> datetime.datetime:
    name = _zone_name(workplace)
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, zoneinfo.ZoneInfo(name))


SHIFT_FIELDS = ("id", "user_id", "workplace_id", "local_date", "starts_at", "ends_at", "unpaid_break_minutes",
                "paid_break_minutes", "late_grace_minutes")  # fmt: skip
PUNCH_FIELDS: tuple[str, ...] = ("id", "user_id", "kind", "at", "workplace_id", "verdict", "flags", "needs_review",
                                 "reviewed_at", "source", "time_zone")  # fmt: skip
if any(f.name == "shift" for f in Punch._meta.fields):  # the punch's own shift, once timeclock records it
    PUNCH_FIELDS += ("shift_id",)


class DayInputs:
    """What one day's computation reads, in four queries (shifts, punches, leave, existing hashes)."""

    def __init__(self, day: datetime.date, user_ids: Iterable[uuid.UUID] | None) -> None:
        self.day = day
        ids = list(user_ids) if user_ids is not None else None
        start, end = (
            _utc_midnight(day) - EARLIEST_OFFSET,
            _utc_midnight(day + datetime.timedelta(days=1)) + LATEST_OFFSET,
        )
        around = list(
            shifts_between(start=start - AFTER_END, end=end + BEFORE_START, user_ids=ids).values_list(
                *SHIFT_FIELDS, named=True
            )
        )  # light rows: 10,000 people in seconds
        self.shifts: dict[uuid.UUID, list[Any]] = defaultdict(list)
        self.neighbours: dict[uuid.UUID, list[Any]] = defaultdict(list)  # shifts of other days
        for shift in sorted(around, key=lambda s: s.starts_at):
            (self.shifts if shift.local_date == day else self.neighbours)[shift.user_id].append(shift)
        today = [s for rows in self.shifts.values() for s in rows]
        start = min([start, *(s.starts_at - BEFORE_START for s in today)])
        end = max([end, *(s.ends_at + AFTER_END for s in today)])
        self.punches: dict[uuid.UUID, list[Any]] = defaultdict(list)
        punches = punches_between(start=start, end=end, user_ids=ids).annotate(time_zone=F("workplace__time_zone"))
        for punch in punches.values_list(*PUNCH_FIELDS, named=True):
            if self._belongs(punch):
                self.punches[punch.user_id].append(punch)
        existing = AttendanceRecord.objects.filter(date=day)
        if ids is not None:
            existing = existing.filter(user_id__in=ids)
        self.hashes = dict(existing.values_list("user_id", "computation_hash"))
        self.user_ids = set(self.shifts) | set(self.punches) | set(self.hashes)
        self.leave = leave_days(user_ids=list(self.user_ids), start=day, end=day) if self.user_ids else {}

    def _belongs(self, punch: Any) -> bool:
        """The punch is the day's: it falls in a window of the day's shift of that person, or in no
        shift's window and on that workplace-local date."""
        mine, others = self.shifts.get(punch.user_id, []), self.neighbours.get(punch.user_id, [])
        shift = shift_for(punch, mine + others)
        if shift is not None:
            return shift.local_date == self.day
        return local_date(punch.at, punch.time_zone) == self.day

    def day_over_at(self, user_id: uuid.UUID) -> datetime.datetime:
        shifts, punches = self.shifts.get(user_id, []), self.punches.get(user_id, [])
        if shifts:
            return max(s.ends_at for s in shifts) + AFTER_END
        return local_day_end(self.day, next((p.time_zone for p in punches if p.time_zone), None))

    def result(self, user_id: uuid.UUID, now: datetime.datetime) -> DayResult:
        return day_compute(
            shifts=self.shifts.get(user_id, []), punches=self.punches.get(user_id, []),
            leave=self.leave.get((user_id, self.day)), now=now, day_over_at=self.day_over_at(user_id),
        )  # fmt: skip


UPSERT_COLUMNS = (
    ("user_id", "uuid"), ("date", "date"), ("workplace_id", "bigint"), ("shift_ids", "bigint[]"),
    ("status", "text"), ("scheduled_minutes", "integer"), ("worked_minutes", "integer"),
    ("unpaid_break_minutes", "integer"), ("late_minutes", "integer"), ("early_leave_minutes", "integer"),
    ("overtime_candidate_minutes", "integer"), ("leave_type", "text"), ("leave_minutes", "integer"),
    ("flags", "text[]"), ("first_in", "timestamptz"), ("last_out", "timestamptz"),
    ("computation_hash", "text"), ("computed_at", "timestamptz"),
)  # fmt: skip


def _upsert(rows: list[dict[str, Any]]) -> tuple[int, int]:
    """INSERT ... ON CONFLICT (user, date) DO UPDATE only where the hash differs: (created, changed)."""
    table = AttendanceRecord._meta.db_table
    names = [name for name, _ in UPSERT_COLUMNS]
    spec = ", ".join(f"{name} {kind}" for name, kind in UPSERT_COLUMNS)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in names[2:])
    sql = (
        f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(names)} FROM jsonb_to_recordset(%s::jsonb) "
        f"AS x({spec}) ON CONFLICT (user_id, date) DO UPDATE SET {updates} "
        f"WHERE {table}.computation_hash IS DISTINCT FROM EXCLUDED.computation_hash RETURNING (xmax = 0)"
    )
    created = changed = 0
    with connection.cursor() as cursor:
        for offset in range(0, len(rows), UPSERT_BATCH):
            cursor.execute(sql, [json.dumps(rows[offset : offset + UPSERT_BATCH], default=str)])
            for (inserted,) in cursor.fetchall():
                created, changed = created + int(inserted), changed + int(not inserted)
    return created, changed


def _row(user_id: uuid.UUID, day: datetime.date, result: DayResult, digest: str, now: datetime.datetime) -> dict:
    row = {name: getattr(result, name) for name, _ in UPSERT_COLUMNS if hasattr(result, name)}
    for name in ("first_in", "last_out"):
        row[name] = row[name].isoformat() if row[name] else None
    return {**row, "user_id": str(user_id), "date": day.isoformat(), "computation_hash": digest,
            "computed_at": now.isoformat()}  # fmt: skip


@transaction.atomic
def records_compute(
    day: datetime.date, *, user_ids: Iterable[uuid.UUID] | None = None, now: datetime.datetime | None = None
) -> dict[str, int]:
    """Compute `day`'s attendance records (everyone, or `user_ids`): {created, changed, unchanged}."""
    now = now or timezone.now()
    inputs = DayInputs(day, user_ids)
    rows = []
    for user_id in sorted(inputs.user_ids):
        result = inputs.result(user_id, now)
        digest = result.digest()
        if inputs.hashes.get(user_id) != digest:
            rows.append(_row(user_id, day, result, digest, now))
    created, changed = _upsert(rows) if rows else (0, 0)
    return {"created": created, "changed": changed, "unchanged": len(inputs.user_ids) - created - changed}


# --- Late detection --------------------------------------------------------------------------------


def late_shifts(now: datetime.datetime) -> list[Any]:
    """Published shifts running now whose grace has passed with no "in" and no leave, not yet told."""
    around = shifts_between(start=now - datetime.timedelta(hours=24), end=now + datetime.timedelta(minutes=1))
    running = [s for s in around if s.starts_at + datetime.timedelta(minutes=s.late_grace_minutes) <= now < s.ends_at]
    if not running:
        return []
    told = set(LateNotice.objects.filter(shift_id__in=[s.id for s in running]).values_list("shift_id", flat=True))
    running = [s for s in running if s.id not in told]
    user_ids = {s.user_id for s in running}
    start = min(s.starts_at for s in running) - BEFORE_START
    ins = defaultdict(list)
    for punch in punches_between(start=start, end=now + datetime.timedelta(minutes=1), user_ids=user_ids):
        if punch.kind == "in":
            ins[punch.user_id].append(punch.at)
    days = {s.local_date for s in running}
    leave = leave_days(user_ids=list(user_ids), start=min(days), end=max(days)) if user_ids else {}
    return [s for s in running if (s.user_id, s.local_date) not in leave
            and not any(s.starts_at - BEFORE_START <= at <= now for at in ins[s.user_id])]  # fmt: skip


def late_detect(*, now: datetime.datetime | None = None) -> int:
    """Publish `attendance.late` once per late shift (a LateNotice row per shift id: concurrent runs
    insert it once, and only the run that inserted it publishes)."""
    now = now or timezone.now()
    found = late_shifts(now)
    if not found:
        return 0
    with transaction.atomic():
        table = LateNotice._meta.db_table
        rows = [{"shift_id": s.id, "user_id": str(s.user_id), "workplace_id": s.workplace_id,
                 "shift_starts_at": s.starts_at.isoformat(), "notified_at": now.isoformat()}
                for s in found]  # fmt: skip
        columns = "shift_id, user_id, workplace_id, shift_starts_at, notified_at"
        types = (
            "shift_id bigint, user_id uuid, workplace_id bigint, shift_starts_at timestamptz, notified_at timestamptz"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM jsonb_to_recordset(%s::jsonb) AS x({types}) "
                "ON CONFLICT (shift_id) DO NOTHING RETURNING shift_id",
                [json.dumps(rows)],
            )
            inserted = {shift_id for (shift_id,) in cursor.fetchall()}
        tenant = connection_tenant()
        publish_many("attendance.late", [(tenant, late_payload(shift=s, now=now)) for s in found if s.id in inserted])
    return len(inserted)


# --- Overtime --------------------------------------------------------------------------------------


def _week_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.date, datetime.date]:
    return start - datetime.timedelta(days=start.weekday()), end + datetime.timedelta(days=6 - end.weekday())


def rule_for(rules: dict[int | None, OvertimeRule], workplace_id: int | None) -> OvertimeRule | None:
    return rules.get(workplace_id) or rules.get(None)


def _holidays(records: list[AttendanceRecord], start: datetime.date, end: datetime.date) -> set[tuple[int, Any]]:
    """(workplace id, date) pairs that are public holidays at the records' workplaces."""
    ids = {r.workplace_id for r in records if r.workplace_id}
    found: set[tuple[int, Any]] = set()
    for workplace in Workplace.objects.filter(pk__in=ids):
        found.update((workplace.pk, day) for day in holidays_between(workplace, start, end))
    return found


def overtime_of_week(records: list[AttendanceRecord], rules: dict, holidays: set) -> dict[tuple, tuple]:
    """One person's week (records in date order) → {(date, reason): (minutes, multiplier, workplace id)}.
    Rest-day and holiday minutes are all overtime; on other days the minutes over the daily threshold,
    then, once the week's remaining (regular) minutes pass the weekly threshold, the excess."""
    found: dict[tuple, tuple] = {}
    regular_so_far = 0
    for record in records:
        rule = rule_for(rules, record.workplace_id)
        worked = record.worked_minutes
        if rule is None or worked <= 0:
            continue
        if rule.public_holiday_counts and (record.workplace_id, record.date) in holidays:
            found[(record.date, OvertimeReason.PUBLIC_HOLIDAY)] = (
                worked,
                rule.public_holiday_multiplier,
                record.workplace_id,
            )
            continue
        if rule.rest_day_counts and not record.shift_ids:
            found[(record.date, OvertimeReason.REST_DAY)] = (worked, rule.rest_day_multiplier, record.workplace_id)
            continue
        daily = max(0, worked - rule.daily_threshold_minutes) if rule.daily_threshold_minutes is not None else 0
        if daily:
            found[(record.date, OvertimeReason.DAILY)] = (daily, rule.daily_multiplier, record.workplace_id)
        regular = worked - daily
        if rule.weekly_threshold_minutes is not None:
            weekly = max(0, regular_so_far + regular - max(rule.weekly_threshold_minutes, regular_so_far))
            if weekly:
                found[(record.date, OvertimeReason.WEEKLY)] = (weekly, rule.weekly_multiplier, record.workplace_id)
        regular_so_far += regular
    return found  # fmt: skip


@transaction.atomic
def overtime_generate(
    *, start: datetime.date, end: datetime.date, user_ids: Iterable[uuid.UUID] | None = None, acting_user: Any = None
) -> dict[str, int]:
    """Overtime records for the whole weeks (Monday to Sunday) covering start..end. Pending rows follow
    the records (created, changed, removed); approved and rejected rows stay as decided. New rows are
    sent for approval when the rule says so and a workflow is active. Idempotent."""
    start, end = _week_bounds(start, end)
    ids = list(user_ids) if user_ids is not None else None
    records = AttendanceRecord.objects.filter(date__range=(start, end)).order_by("user_id", "date")
    existing = OvertimeRecord.objects.filter(date__range=(start, end))
    if ids is not None:
        records, existing = records.filter(user_id__in=ids), existing.filter(user_id__in=ids)
    records_list = list(records.only("user_id", "date", "workplace_id", "worked_minutes", "shift_ids"))
    rules = {rule.workplace_id: rule for rule in OvertimeRule.objects.all()}
    wanted = _wanted(records_list, rules, _holidays(records_list, start, end) if rules else set()) if rules else {}
    return _overtime_apply(wanted, {(o.user_id, o.date, o.reason): o for o in existing}, rules, acting_user)


def _wanted(records: list[AttendanceRecord], rules: dict, holidays: set) -> dict[tuple, tuple]:
    weeks: dict[tuple, list[AttendanceRecord]] = defaultdict(list)
    for record in records:
        weeks[(record.user_id, record.date.isocalendar()[:2])].append(record)
    wanted = {}
    for (user_id, _week), rows in weeks.items():
        for (day, reason), value in overtime_of_week(rows, rules, holidays).items():
            wanted[(user_id, day, reason)] = value
    return wanted


def _overtime_apply(wanted: dict, existing: dict, rules: dict, acting_user: Any) -> dict[str, int]:
    created, changed, removed = [], [], []
    for key, (minutes, multiplier, workplace_id) in wanted.items():
        row = existing.get(key)
        if row is None:
            created.append(OvertimeRecord(user_id=key[0], date=key[1], reason=key[2], minutes=minutes,
                                          multiplier=multiplier, workplace_id=workplace_id))  # fmt: skip
        elif row.status == OvertimeStatus.PENDING and (row.minutes, row.multiplier, row.workplace_id) != (
            minutes,
            Decimal(multiplier),
            workplace_id,
        ):
            row.minutes, row.multiplier, row.workplace_id = minutes, multiplier, workplace_id
            changed.append(row)
    for key, row in existing.items():
        if key not in wanted and row.status == OvertimeStatus.PENDING and row.submitted_at is None:
            removed.append(row.pk)
    OvertimeRecord.objects.bulk_create(created)
    OvertimeRecord.objects.bulk_update(changed, ["minutes", "multiplier", "workplace_id", "updated_at"])
    OvertimeRecord.objects.filter(pk__in=removed).delete()
    submitted = _auto_submit(created, rules)
    return {"created": len(created), "changed": len(changed), "removed": len(removed), "submitted": submitted}


def _auto_submit(rows: list[OvertimeRecord], rules: dict) -> int:
    if not rows or workflow_active(OVERTIME_KIND) is None:
        return 0
    count = 0
    for row in rows:
        rule = rule_for(rules, row.workplace_id)
        if rule is not None and rule.auto_submit:
            count += int(overtime_submit(record=row, acting_user=None, quiet=True))
    return count


@transaction.atomic
def overtime_submit(*, record: OvertimeRecord, acting_user: Any, quiet: bool = False) -> bool:
    """Send a pending overtime record for approval (the person is the requester). `quiet`: a refusal
    (no workflow, the person left) leaves it pending instead of raising."""
    row = writes.locked(record, "user")
    if row.status != OvertimeStatus.PENDING or row.submitted_at is not None:
        if quiet:
            return False
        raise _error("__all__", "This overtime was already sent for approval or decided.", "already_submitted")
    try:
        with transaction.atomic():
            request_submit(kind=OVERTIME_KIND, subject=row, requester=row.user, acting_user=acting_user,
                           note=f"{row.minutes} minutes, {row.get_reason_display().lower()}")  # fmt: skip
    except (ValidationError, PermissionDenied):  # no workflow, or the person is no longer a member
        if quiet:
            return False
        raise
    row.submitted_at = timezone.now()
    row.save(update_fields=["submitted_at", "updated_at"])
    return True


@transaction.atomic
def overtime_decide(*, record: OvertimeRecord, outcome: str, acting_user: Any, reason: str = "") -> OvertimeRecord:
    """The approval's outcome: approved or rejected (cancelled: pending again, not submitted). Idempotent."""
    row = writes.locked(record, "workplace")
    if row.status != OvertimeStatus.PENDING:
        return row
    if outcome == "cancelled":
        row.submitted_at = None
    else:
        row.status = OvertimeStatus.APPROVED if outcome == "approved" else OvertimeStatus.REJECTED
        row.decided_at, row.decided_by, row.decision_reason = timezone.now(), writes.history_user(acting_user), reason
    writes.save(row, acting_user=acting_user)
    if row.status == OvertimeStatus.APPROVED:
        publish("overtime.approved", overtime_payload(row), tenant=connection_tenant())
    return row


@transaction.atomic
def overtime_rule_save(*, workplace: Workplace | None, acting_user: Any, **values: Any) -> OvertimeRule:
    """Create or change the organisation's rule (workplace None) or a workplace's."""
    unknown = set(values) - set(RULE_AUDITED.names)
    if unknown:
        raise _error("__all__", f"Unknown overtime rule fields: {', '.join(sorted(unknown))}.", "invalid_field")
    if workplace is not None and workplace.kind != Workplace.Kind.SITE:
        raise _error("workplace", "Overtime rules are per site (or for the whole organisation).", "not_a_site")
    rule = OvertimeRule.objects.select_for_update().filter(workplace=workplace).first()
    if rule is None:
        rule = OvertimeRule(workplace=workplace, **values)
        return writes.save_audited(rule, action="attendance.overtime_rule_created", acting_user=acting_user,
                                   tenant=connection_tenant(), fields=RULE_AUDITED, before=None)  # fmt: skip
    return writes.update(rule, changes=values, action="attendance.overtime_rule_changed", acting_user=acting_user,
                         tenant=connection_tenant(), fields=RULE_AUDITED)  # fmt: skip


# --- Corrections -----------------------------------------------------------------------------------

PUNCH_KINDS = ("in", "out", "break_start", "break_end")
NEXT_KINDS = {None: {"in"}, "in": {"out", "break_start"}, "break_start": {"break_end"},
              "break_end": {"out", "break_start"}, "out": {"in"}}  # fmt: skip


def correction_window(
    user_id: uuid.UUID, day: datetime.date, workplace: Any
) -> tuple[datetime.datetime, datetime.datetime]:
    """The span whose punches a correction of `day` replaces: the workplace-local day, stretched to
    cover the windows of the person's shifts of that day."""
    start = local_day_end(day - datetime.timedelta(days=1), workplace)
    end = local_day_end(day, workplace)
    for shift in shifts_between(start=start - AFTER_END, end=end + BEFORE_START, user_ids=[user_id]):
        if shift.local_date == day:
            start, end = min(start, shift.starts_at - BEFORE_START), max(end, shift.ends_at + AFTER_END)
    return start, end


def _punches_clean(punches: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Workplace]:
    """Parse and check the proposed punches: kinds in order (in → break → out), times, workplaces."""
    if not punches:
        raise _error("punches", "Give the day's punches as they should be (at least an in and an out).", "required")
    codes = {str(p.get("workplace") or "") for p in punches}
    sites = {w.code: w for w in Workplace.objects.filter(code__in=codes, is_active=True)}
    clean: list[dict[str, Any]] = []
    previous = None
    for position, punch in enumerate(punches, 1):
        kind, at, code = punch.get("kind"), punch.get("at"), str(punch.get("workplace") or "")
        if isinstance(at, str):
            at = datetime.datetime.fromisoformat(at) if _iso(at) else None
        if kind not in PUNCH_KINDS or not isinstance(at, datetime.datetime) or timezone.is_naive(at):
            raise _error("punches", f"Punch {position}: a kind ({', '.join(PUNCH_KINDS)}) and a time with its "
                         "offset are needed.", "invalid_punch")  # fmt: skip
        if code not in sites:
            raise _error("punches", f"Punch {position}: “{code}” is not an active workplace.", "unknown_workplace")
        if kind not in NEXT_KINDS[previous] or (clean and at <= clean[-1]["at"]):
            raise _error("punches", f"Punch {position} ({kind}) is out of order.", "punch_order")
        clean.append({"kind": kind, "at": at, "workplace": sites[code]})
        previous = kind
    return clean, clean[0]["workplace"]


def _iso(text: str) -> bool:
    try:
        datetime.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _stored(punches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"kind": p["kind"], "at": p["at"].isoformat(), "workplace": p["workplace"].code} for p in punches]


@transaction.atomic
def correction_request(
    *, user: Any, date: datetime.date, punches: list[dict[str, Any]], reason: str, acting_user: Any
) -> AttendanceCorrection:
    """Ask to replace `user`'s punches of `date` (the person, or their manager or an admin: the view
    checks who may ask for whom). Opens the "attendance.correction" approval."""
    reason = (reason or "").strip()
    if not reason:
        raise _error("reason", "Say why the punches need correcting.", "reason_required")
    if date > timezone.localdate() + datetime.timedelta(days=1):
        raise _error("date", "Only past days (or today) can be corrected.", "future_date")
    clean, workplace = _punches_clean(punches)
    start, end = correction_window(user.pk, date, workplace)
    if any(not (start <= p["at"] < end) for p in clean):
        raise _error("punches", f"Every punch must fall on {date} (between {start:%Y-%m-%d %H:%M} and "
                     f"{end:%Y-%m-%d %H:%M} {workplace.time_zone}).", "outside_day")  # fmt: skip
    if AttendanceCorrection.objects.filter(user_id=user.pk, date=date, status__in=["pending", "returned"]).exists():
        raise _error("date", f"{date} already has an open correction.", "duplicate_request")
    correction = AttendanceCorrection(user=user, date=date, punches=_stored(clean), reason=reason,
                                      requested_by=writes.history_user(acting_user))  # fmt: skip
    writes.save_audited(correction, action="attendance.correction_requested", acting_user=acting_user,
                        tenant=connection_tenant(), fields=CORRECTION_AUDITED, before=None)  # fmt: skip
    request_submit(kind=CORRECTION_KIND, subject=correction, requester=user, acting_user=acting_user, note=reason)
    return correction


def _approval_of(correction: AttendanceCorrection) -> Any:
    return (ApprovalRequest.objects.filter(kind=CORRECTION_KIND, subject_id=str(correction.pk))
            .order_by("-created_at").first())  # fmt: skip


@transaction.atomic
def correction_cancel(*, correction: AttendanceCorrection, acting_user: Any, reason: str = "") -> AttendanceCorrection:
    row = writes.locked(correction)
    if getattr(acting_user, "pk", None) not in (row.user_id, row.requested_by_id):
        raise _error("__all__", "Only the person (or who asked for them) can cancel this correction.", "not_requester")
    if not row.is_open:
        raise _error("__all__", f"This correction is already {row.get_status_display().lower()}.", "closed")
    approval = _approval_of(row)
    if approval is not None and approval.is_open:
        request_cancel(request=approval, acting_user=acting_user, reason=reason)  # on_decision closes it
    else:
        correction_decide(correction=row, outcome="cancelled", acting_user=acting_user, reason=reason)
    row.refresh_from_db()
    return row


def _apply(correction: AttendanceCorrection, acting_user: Any) -> None:
    clean, workplace = _punches_clean(correction.punches)
    start, end = correction_window(correction.user_id, correction.date, workplace)
    punches_replace(user=correction.user, start=start, end=end, punches=clean, actor=acting_user,
                    reason=f"Correction: {correction.reason}"[:500])  # fmt: skip
    records_compute(correction.date, user_ids=[correction.user_id])
    overtime_generate(start=correction.date, end=correction.date, user_ids=[correction.user_id])


DECISIONS = {"approved": CorrectionStatus.APPROVED, "rejected": CorrectionStatus.REJECTED,
             "cancelled": CorrectionStatus.CANCELLED}  # fmt: skip


@transaction.atomic
def correction_decide(
    *, correction: AttendanceCorrection, outcome: str, acting_user: Any, reason: str = ""
) -> AttendanceCorrection:
    """The approval's final outcome (inside the deciding transaction). Approved: the day's effective
    punches are superseded by the proposed ones (timeclock keeps the originals), then the day's record
    and the week's overtime are recomputed. Idempotent: a closed correction is left as it is."""
    if outcome not in DECISIONS:
        raise ValueError(f"Unknown outcome {outcome!r}.")
    row = writes.locked(correction, "user")
    if not row.is_open:
        return row
    with writes.audited(row, action=f"attendance.correction_{outcome}", acting_user=acting_user,
                        tenant=connection_tenant(), fields=CORRECTION_AUDITED):  # fmt: skip
        if outcome == "approved":
            _apply(row, acting_user)
        row.status, row.decided_at = DECISIONS[outcome], timezone.now()
        row.decided_by, row.decision_reason = writes.history_user(acting_user), (reason or "").strip()
    if outcome != "cancelled":
        publish("attendance.correction_decided", correction_payload(row), tenant=connection_tenant())
    return row


@transaction.atomic
def correction_mark(*, correction: AttendanceCorrection, status: str, acting_user: Any, reason: str = "") -> None:
    """Follow the approval's return for changes (status "returned") or resubmission ("pending")."""
    row = writes.locked(correction)
    if not row.is_open or row.status == status:
        return
    with writes.audited(row, action=f"attendance.correction_{status}", acting_user=acting_user,
                        tenant=connection_tenant(), fields=CORRECTION_AUDITED):  # fmt: skip
        row.status, row.decision_reason = status, (reason or "").strip() if status == "returned" else ""
