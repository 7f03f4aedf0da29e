"""Writes on rosters, in the tenant's schema. Each takes `acting_user`, validates with a Django
ValidationError whose code names the rule, writes history (and the audit chain for configuration and
publishing), and publishes its events after commit, in one transaction: nothing is half-written.

Shifts are checked by `rules.Checker` before they are written: refusals raise, flags are stored on
the shift. A shift added to a published roster stays a draft until the roster is published again;
a published shift that changes (or is cancelled) tells its person at once (`shift.changed`).
"""

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from apps.accounts.models import Membership
from apps.audit import writes
from apps.audit.services import audit_record
from apps.core.events import publish
from apps.tenancy.context import connection_tenant

from . import schedule
from .models import (
    CalendarFeed,
    Roster,
    RosterPattern,
    RosterRules,
    RosterStatus,
    Shift,
    ShiftStatus,
    ShiftType,
    new_feed_token,
)
from .payloads import roster_payload, shift_payload
from .rules import Checker, rules_for, rules_snapshot

SHIFT_TYPE_FIELDS = (
    "name",
    "start_time",
    "end_time",
    "unpaid_break_minutes",
    "paid_break_minutes",
    "late_grace_minutes",
    "colour",
    "is_active",
)
SHIFT_TYPE_AUDITED = writes.Fields("code", *SHIFT_TYPE_FIELDS)
RULE_FIELDS = ("min_rest_hours", "min_rest_action", "max_weekly_hours", "max_weekly_action")
RULES_AUDITED = writes.Fields(*RULE_FIELDS, workplace="workplace.code")
ROSTER_AUDITED = writes.Fields("name", "start_date", "end_date", "status", workplace="workplace.code")


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


# --- Shift types and rules --------------------------------------------------------------------------


def _shift_type_check(shift_type: ShiftType) -> None:
    breaks = shift_type.unpaid_break_minutes + shift_type.paid_break_minutes
    if breaks >= shift_type.nominal_minutes:
        raise _error(
            "unpaid_break_minutes",
            f"The breaks ({breaks} min) must be shorter than the shift ({shift_type.nominal_minutes} min).",
            "breaks_too_long",
        )


@transaction.atomic
def shift_type_create(*, code: str, name: str, acting_user: Any, **fields: Any) -> ShiftType:
    code = code.strip().upper()
    if ShiftType.objects.filter(code=code).exists():
        raise _error("code", f"Another shift type has the code {code}.", "code_taken")
    shift_type = ShiftType(code=code, name=name.strip(), **fields)
    _shift_type_check(shift_type)
    return writes.save_audited(
        shift_type,
        action="rosters.shift_type_created",
        acting_user=acting_user,
        tenant=connection_tenant(),
        fields=SHIFT_TYPE_AUDITED,
        before=None,
    )


@transaction.atomic
def shift_type_update(*, shift_type: ShiftType, acting_user: Any, **changes: Any) -> ShiftType:
    """Change a shift type; shifts already made from it keep their times (they were copied)."""
    unknown = set(changes) - set(SHIFT_TYPE_FIELDS)
    if unknown:
        raise _error("__all__", f"These fields cannot be changed: {', '.join(sorted(unknown))}.", "read_only")
    row = writes.locked(shift_type)
    with writes.audited(
        row,
        action="rosters.shift_type_updated",
        acting_user=acting_user,
        tenant=connection_tenant(),
        fields=SHIFT_TYPE_AUDITED,
    ):
        for name, value in changes.items():
            setattr(row, name, value)
        _shift_type_check(row)
    return row


@transaction.atomic
def rules_set(*, workplace: Any = None, acting_user: Any, **fields: Any) -> RosterRules:
    """The organisation's default rules (workplace None) or one workplace's override."""
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise _error("__all__", f"Unknown rule fields: {', '.join(sorted(unknown))}.", "read_only")
    row = RosterRules.objects.select_for_update().filter(workplace=workplace).first()
    created = row is None
    row = row or RosterRules(workplace=workplace)
    with writes.audited(
        row,
        action="rosters.rules_set",
        acting_user=acting_user,
        tenant=connection_tenant(),
        fields=RULES_AUDITED,
        created=created,
    ):
        for name, value in fields.items():
            setattr(row, name, value)
    return row


# --- Rosters ----------------------------------------------------------------------------------------


@transaction.atomic
def roster_create(
    *, workplace: Any, name: str, start_date: datetime.date, end_date: datetime.date, acting_user: Any
) -> Roster:
    if workplace.kind != "site":
        raise _error("workplace", f"{workplace.name} is not a site: rosters are for sites.", "not_a_site")
    if not workplace.is_active:
        raise _error("workplace", f"{workplace.name} is inactive.", "workplace_inactive")
    roster = Roster(
        workplace=workplace,
        name=name.strip() or f"{workplace.name} {start_date:%d %b}",
        start_date=start_date,
        end_date=end_date,
        created_by=writes.history_user(acting_user),
    )
    return writes.save_audited(
        roster,
        action="rosters.roster_created",
        acting_user=acting_user,
        tenant=connection_tenant(),
        fields=ROSTER_AUDITED,
        before=None,
    )


def _members_check(user_ids: Iterable[Any]) -> None:
    wanted = {str(user_id) for user_id in user_ids}
    active = Membership.objects.filter(
        tenant=connection_tenant(), user_id__in=wanted, status=Membership.Status.ACTIVE
    ).values_list("user_id", flat=True)
    missing = wanted - {str(user_id) for user_id in active}
    if missing:
        raise _error("users", "Only active members of this organisation can be rostered.", "not_a_member")


def _day_check(roster: Roster, day: datetime.date) -> None:
    if not roster.start_date <= day <= roster.end_date:
        raise _error(
            "day",
            f"{day:%d %b %Y} is outside the roster's period ({roster.start_date:%d %b %Y} to "
            f"{roster.end_date:%d %b %Y}).",
            "outside_period",
        )


def _new_shift(
    roster: Roster,
    user_id: Any,
    day: datetime.date,
    shift_type: ShiftType | None,
    *,
    start: datetime.time | None = None,
    end: datetime.time | None = None,
    pattern: RosterPattern | None = None,
    **extra: Any,
) -> Shift:
    _day_check(roster, day)
    tz = schedule.zone(roster.workplace.time_zone)
    start = start or (shift_type.start_time if shift_type else None)
    end = end or (shift_type.end_time if shift_type else None)
    if start is None or end is None:
        raise _error("shift_type", "Choose a shift type, or give a start and an end time.", "times_required")
    starts_at, ends_at = schedule.shift_span(day, start, end, tz)
    fields = {
        name: getattr(shift_type, name) if shift_type else 0
        for name in ("unpaid_break_minutes", "paid_break_minutes", "late_grace_minutes")
    }
    fields.update({k: v for k, v in extra.items() if v is not None})
    return Shift(
        roster=roster,
        user_id=user_id,
        workplace=roster.workplace,
        shift_type=shift_type,
        pattern=pattern,
        local_date=day,
        starts_at=starts_at,
        ends_at=ends_at,
        status=ShiftStatus.DRAFT,
        **fields,
    )


def _checked(candidates: list[Shift], roster: Roster, *, ignore_ids: Iterable[int] = ()) -> list[Shift]:
    """Findings of the rules: refusals raise (all their messages, the first one's code), flags are kept."""
    findings = Checker(candidates, rules_for(roster.workplace_id), ignore_ids=ignore_ids).findings()
    refusals = [f for found in findings.values() for f in found if f.refuse]
    if refusals:
        raise ValidationError([ValidationError(f.message, code=f.code) for f in refusals[:20]])
    for index, shift in enumerate(candidates):
        shift.flags = [f.as_flag() for f in findings.get(index, [])]
    return candidates


def _write_new(shifts: list[Shift], acting_user: Any) -> list[Shift]:
    try:
        with transaction.atomic():  # the exclusion constraint has the last word on double booking
            return bulk_create_with_history(shifts, Shift, default_user=writes.history_user(acting_user))
    except IntegrityError as exc:
        raise ValidationError(
            "Someone else booked one of these people at that time; reload and try again.", code="double_booking"
        ) from exc


def _locked_roster(roster: Roster) -> Roster:
    return Roster.objects.select_for_update(of=("self",)).select_related("workplace").get(pk=roster.pk)


@transaction.atomic
def shift_add(
    *,
    roster: Roster,
    user: Any,
    day: datetime.date,
    acting_user: Any,
    shift_type: ShiftType | None = None,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    unpaid_break_minutes: int | None = None,
    notes: str = "",
) -> Shift:
    """One shift: from a shift type, or custom times (overnight when the end is at or before the start)."""
    roster = _locked_roster(roster)
    _members_check([user.pk])
    shift = _new_shift(
        roster,
        user.pk,
        day,
        shift_type,
        start=start_time,
        end=end_time,
        unpaid_break_minutes=unpaid_break_minutes,
        notes=notes,
    )
    return _write_new(_checked([shift], roster), acting_user)[0]


@transaction.atomic
def shifts_assign(
    *, roster: Roster, users: Sequence[Any], shift_type: ShiftType, days: Iterable[datetime.date], acting_user: Any
) -> list[Shift]:
    """These people on this shift type on these days: all of them, or (one rule refused) none."""
    roster = _locked_roster(roster)
    _members_check(u.pk for u in users)
    candidates = [_new_shift(roster, u.pk, day, shift_type) for day in sorted(set(days)) for u in users]
    if not candidates:
        raise _error("days", "Choose at least one person and one day.", "nothing_to_assign")
    return _write_new(_checked(candidates, roster), acting_user)


@transaction.atomic
def pattern_add(
    *,
    roster: Roster,
    shift_type: ShiftType,
    users: Sequence[Any],
    rrule: str,
    acting_user: Any,
    starts_on: datetime.date | None = None,
) -> RosterPattern:
    """A repeating assignment: the RRULE's days within the roster period become shifts for each person."""
    roster = _locked_roster(roster)
    starts_on = starts_on or roster.start_date
    _day_check(roster, starts_on)
    rule = schedule.parse_rule(rrule, starts_on=starts_on, period_end=roster.end_date)
    days = schedule.rule_days(rule, start=starts_on, end=roster.end_date)
    if not days or not users:
        raise _error("rrule", "The rule falls on no day of the roster period.", "rrule_empty")
    _members_check(u.pk for u in users)
    pattern = RosterPattern.objects.create(
        roster=roster,
        shift_type=shift_type,
        rrule=rrule.strip(),
        starts_on=starts_on,
        created_by=writes.history_user(acting_user),
    )
    pattern.users.set(users)
    candidates = [_new_shift(roster, u.pk, day, shift_type, pattern=pattern) for day in days for u in users]
    _write_new(_checked(candidates, roster), acting_user)
    return pattern


def _tell_changed(shift: Shift, change: str) -> None:
    publish("shift.changed", shift_payload(shift, change), tenant=connection_tenant())


@transaction.atomic
def shift_update(
    *,
    shift: Shift,
    acting_user: Any,
    user: Any = None,
    day: datetime.date | None = None,
    shift_type: ShiftType | None = None,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    notes: str | None = None,
) -> Shift:
    """Move or change one shift (checked again); a published one tells its person (`shift.changed`)."""
    row = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("roster__workplace", "shift_type", "workplace")
        .get(pk=shift.pk)
    )
    if row.status == ShiftStatus.CANCELLED:
        raise _error("__all__", "A cancelled shift cannot change.", "shift_cancelled")
    if user is not None:
        _members_check([user.pk])
    tz = schedule.zone(row.workplace.time_zone)
    local_start, local_end = row.starts_at.astimezone(tz), row.ends_at.astimezone(tz)
    new_type = shift_type or row.shift_type
    fresh = _new_shift(
        row.roster,
        user.pk if user is not None else row.user_id,
        day or row.local_date,
        new_type,
        start=start_time or (None if shift_type else local_start.time()),
        end=end_time or (None if shift_type else local_end.time()),
    )
    fresh.pk, fresh.pattern_id, fresh.status = row.pk, row.pattern_id, row.status
    fresh.notes = row.notes if notes is None else notes
    _checked([fresh], row.roster)
    for name in (
        "user_id",
        "shift_type_id",
        "local_date",
        "starts_at",
        "ends_at",
        "unpaid_break_minutes",
        "paid_break_minutes",
        "late_grace_minutes",
        "flags",
        "notes",
    ):
        setattr(row, name, getattr(fresh, name))
    row._change_reason = "shift changed"  # type: ignore[attr-defined]
    row._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise ValidationError("This person already has a shift at that time.", code="double_booking") from exc
    if row.status == ShiftStatus.PUBLISHED:
        _tell_changed(row, "updated")
    return row


@transaction.atomic
def shift_remove(*, shift: Shift, acting_user: Any) -> None:
    """A draft shift is deleted; a published one is cancelled (kept, shown as cancelled, its person told)."""
    row = Shift.objects.select_for_update(of=("self",)).select_related("workplace", "shift_type").get(pk=shift.pk)
    row._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    if row.status == ShiftStatus.DRAFT:
        row.delete()
    elif row.status == ShiftStatus.PUBLISHED:
        row.status = ShiftStatus.CANCELLED
        row.save(update_fields=["status", "updated_at"])
        _tell_changed(row, "cancelled")


@transaction.atomic
def roster_publish(*, roster: Roster, acting_user: Any) -> int:
    """Check the draft shifts again, publish them and the roster, and tell the people whose shifts were
    published (`roster.published`). Publishing again with nothing new changes and sends nothing.
    Returns how many shifts were published."""
    roster = _locked_roster(roster)
    drafts = list(Shift.objects.filter(roster=roster, status=ShiftStatus.DRAFT).select_for_update(of=("self",)))
    rules = rules_for(roster.workplace_id)
    if roster.status == RosterStatus.PUBLISHED and not drafts:
        return 0
    _checked(drafts, roster)  # the rules may have changed, or other rosters filled the people's weeks
    now = timezone.now()
    for shift in drafts:
        shift.status = ShiftStatus.PUBLISHED
    bulk_update_with_history(drafts, Shift, ["status", "flags"], default_user=writes.history_user(acting_user))
    before = writes.snapshot(roster, ROSTER_AUDITED)
    roster.status, roster.published_at = RosterStatus.PUBLISHED, now
    roster.published_by, roster.rules_snapshot = writes.history_user(acting_user), rules_snapshot(rules)
    writes.save_audited(
        roster,
        action="rosters.roster_published",
        acting_user=acting_user,
        tenant=connection_tenant(),
        fields=ROSTER_AUDITED,
        before=before,
        extra={"shifts_published": len(drafts)},
    )
    people = sorted({str(s.user_id) for s in drafts})
    if people:
        publish("roster.published", roster_payload(roster, people), tenant=connection_tenant())
    return len(drafts)


# --- Calendar feeds ----------------------------------------------------------------------------------


def feed_for(user: Any) -> CalendarFeed:
    """The person's feed, made on first use."""
    feed, _ = CalendarFeed.objects.get_or_create(user_id=user.pk)
    return feed


@transaction.atomic
def feed_rotate(*, user: Any) -> CalendarFeed:
    """A new secret address: the old one stops answering at once."""
    feed = CalendarFeed.objects.select_for_update().filter(user_id=user.pk).first() or CalendarFeed(user_id=user.pk)
    if feed.pk:
        feed.token, feed.rotated_at = new_feed_token(), timezone.now()
    feed.save()
    audit_record(
        action="rosters.calendar_feed_rotated",
        acting_user=user,
        tenant=connection_tenant(),
        target_type="rosters.calendarfeed",
        target_id=str(feed.pk),
    )
    return feed
