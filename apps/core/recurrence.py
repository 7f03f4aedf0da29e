"""RFC 5545 recurrence in a place's local time, shared by every app that schedules work ahead
(routines, maintenance plans, inspections).

A rule is expanded over naive local wall-clock times (dateutil's rrule) and each occurrence is then
placed in the time zone: a 09:00 weekly visit stays at 09:00 local across a daylight-saving change
(its UTC instant moves by an hour). A wall time skipped by a spring-forward change takes the offset
before the change (PEP 495, fold 0), so it lands just after the gap; a repeated one, the first.

Refused with a code (a `ValidationError` on the field given): not one RRULE (`invalid_rrule`), a rule
more frequent than hourly (`invalid_rrule`), a rule that never ends, without COUNT or UNTIL
(`unbounded_rrule`), and one that yields no occurrence at all (`empty_rrule`).
"""

import datetime
import zoneinfo

from dateutil.rrule import MINUTELY, SECONDLY, rrule, rrulestr
from django.core.exceptions import ValidationError

UTC = datetime.UTC


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The named time zone; UTC for an empty or unknown name."""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _refused(message: str, code: str, field: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def rule_parse(text: str, *, dtstart: datetime.datetime, field: str = "rrule") -> rrule:
    """The rule anchored at `dtstart` (naive local wall time), or a coded refusal."""
    body = (text or "").strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    if not body or "\n" in body or ":" in body:
        raise _refused("Give one RRULE, e.g. FREQ=WEEKLY;BYDAY=MO;COUNT=10.", "invalid_rrule", field)
    try:
        rule = rrulestr(body, dtstart=dtstart.replace(tzinfo=None))
    except (ValueError, TypeError) as exc:
        raise _refused(f"This is not a valid recurrence rule: {exc}.", "invalid_rrule", field) from None
    if not isinstance(rule, rrule):
        raise _refused("Give one RRULE, e.g. FREQ=WEEKLY;BYDAY=MO;COUNT=10.", "invalid_rrule", field)
    if rule._freq in (MINUTELY, SECONDLY):
        raise _refused("Repeat at most every hour.", "invalid_rrule", field)
    if rule._count is None and rule._until is None:
        raise _refused("The rule never ends: give COUNT or UNTIL.", "unbounded_rrule", field)
    if next(iter(rule), None) is None:
        raise _refused("The rule yields no occurrence at all.", "empty_rrule", field)
    return rule


def occurrences_between(
    rule: rrule, *, tz: zoneinfo.ZoneInfo, start: datetime.datetime, end: datetime.datetime, limit: int = 1000
) -> list[datetime.datetime]:
    """The rule's occurrences whose instant is in [start, end), as aware UTC datetimes, at most `limit`."""
    # A day of slack on each side: the window is in UTC, the rule in local wall time.
    local_start = start.astimezone(tz).replace(tzinfo=None) - datetime.timedelta(days=1)
    local_end = end.astimezone(tz).replace(tzinfo=None) + datetime.timedelta(days=1)
    found = []
    for wall in rule.between(local_start, local_end, inc=True):
        instant = wall.replace(tzinfo=tz).astimezone(UTC)
        if start <= instant < end:
            found.append(instant)
            if len(found) >= limit:
                break
    return found


def occurrence_key(instant: datetime.datetime, tz: zoneinfo.ZoneInfo) -> str:
    """A stable name of one occurrence (its local wall time), for "exactly once" unique constraints."""
    return instant.astimezone(tz).strftime("%Y-%m-%dT%H:%M")
