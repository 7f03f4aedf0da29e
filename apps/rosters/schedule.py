"""Turning shift types and RFC 5545 rules into real instants, in the workplace's time zone.

Times are built as local wall-clock times with zoneinfo and converted to UTC before any arithmetic:
two aware datetimes sharing a tzinfo subtract by wall clock in Python, which would make a 22:00-06:00
shift across a daylight-saving change 8 hours long instead of 7 or 9.
"""

import datetime
import re
import zoneinfo
from collections.abc import Iterator

from dateutil.rrule import rrule, rrulestr
from django.core.exceptions import ValidationError

from .models import ShiftType

UTC = datetime.UTC
MAX_OCCURRENCES = 400
UNTIL = re.compile(r"UNTIL=(\d{8})(?:T\d{6}Z?)?", re.IGNORECASE)


def zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def local_instant(day: datetime.date, at: datetime.time, tz: zoneinfo.ZoneInfo) -> datetime.datetime:
    """`day` at `at` in `tz`, as UTC. A wall time skipped by a spring-forward change takes the offset
    before the change (PEP 495, fold 0), so it lands just after the gap; a repeated one, the first."""
    return datetime.datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def shift_span(
    day: datetime.date, start: datetime.time, end: datetime.time, tz: zoneinfo.ZoneInfo
) -> tuple[datetime.datetime, datetime.datetime]:
    """The UTC start and end of a shift starting on the local `day`; it ends the next day when end <= start."""
    end_day = day + datetime.timedelta(days=1) if end <= start else day
    return local_instant(day, start, tz), local_instant(end_day, end, tz)


def shift_type_span(
    shift_type: ShiftType, day: datetime.date, tz: zoneinfo.ZoneInfo
) -> tuple[datetime.datetime, datetime.datetime]:
    return shift_span(day, shift_type.start_time, shift_type.end_time, tz)


def _error(message: str) -> ValidationError:
    return ValidationError({"rrule": ValidationError(message, code="invalid_rrule")})


def parse_rule(text: str, *, starts_on: datetime.date, period_end: datetime.date) -> rrule:
    """An RRULE (with or without the "RRULE:" prefix) anchored at `starts_on`. Refused with a code:
    anything but one RRULE or a sub-daily one (`invalid_rrule`), a rule without COUNT or UNTIL
    (`unbounded_rrule`), and one whose days run past the roster's last day (`rrule_beyond_period`)."""
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    if not body or "\n" in body or any(word in body.upper() for word in ("DTSTART", "EXDATE", "RDATE")):
        raise _error("Give one RRULE, e.g. FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR (no DTSTART, RDATE or EXDATE).")
    # Shifts fall on local days: UNTIL names the last day (its time, or a UTC "Z", is not a cut-off).
    body = UNTIL.sub(lambda m: f"UNTIL={m.group(1)}T235959", body)
    try:
        rule = rrulestr(body, dtstart=datetime.datetime.combine(starts_on, datetime.time()), forceset=False)
    except (ValueError, TypeError) as exc:
        raise _error(f"This is not a valid RFC 5545 rule: {exc}.") from exc
    if not isinstance(rule, rrule):
        raise _error("Give one RRULE.")
    if rule._freq > 3:  # HOURLY, MINUTELY, SECONDLY: a shift pattern repeats by days
        raise _error("A shift pattern repeats daily, weekly, monthly or yearly.")
    if rule._count is None and rule._until is None:
        raise ValidationError(
            {
                "rrule": ValidationError(
                    f"The rule never ends: add UNTIL={period_end:%Y%m%d} (the roster's last day) or COUNT=n.",
                    code="unbounded_rrule",
                )
            }
        )
    if rule._count is not None and rule._count > MAX_OCCURRENCES:
        raise _error(f"COUNT may be at most {MAX_OCCURRENCES}.")
    beyond = rule.after(datetime.datetime.combine(period_end, datetime.time.max))
    if beyond is not None:
        raise ValidationError(
            {
                "rrule": ValidationError(
                    f"The rule still falls on {beyond.date():%d %b %Y}, "
                    f"past the roster's last day ({period_end:%d %b %Y}).",
                    code="rrule_beyond_period",
                )
            }
        )
    return rule


def rule_days(rule: rrule, *, start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The days in [start, end] (inclusive) the rule falls on; at most MAX_OCCURRENCES."""
    days: list[datetime.date] = []
    for occurrence in _occurrences(rule, start, end):
        days.append(occurrence)
        if len(days) > MAX_OCCURRENCES:
            raise _error(f"The rule gives more than {MAX_OCCURRENCES} days in the roster period.")
    return days


def _occurrences(rule: rrule, start: datetime.date, end: datetime.date) -> Iterator[datetime.date]:
    low = datetime.datetime.combine(start, datetime.time())
    high = datetime.datetime.combine(end, datetime.time())
    for moment in rule.between(low, high, inc=True):
        yield moment.date()
