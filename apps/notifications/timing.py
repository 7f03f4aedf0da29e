"""Time rules of delivery: a person's time zone, quiet hours, digest periods (all pure functions)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DIGEST_HOUR = 8  # digests go out at 08:00 in the person's time zone
WEEKLY_DIGEST_WEEKDAY = 0  # Monday


def zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def person_zone(*names: str | None) -> ZoneInfo:
    """The first valid zone of `names` (quiet hours' own, profile preference, user, tenant), else UTC."""
    for name in names:
        found = zone(name)
        if found is not None:
            return found
    return ZoneInfo("UTC")


def quiet_until(now: dt.datetime, *, start: dt.time, end: dt.time, tz: ZoneInfo) -> dt.datetime | None:
    """When the quiet hours that contain `now` end (UTC), or None when `now` is not in them.

    `start` to `end` are local times in `tz`; an end before the start crosses midnight (22:00-07:00)."""
    local = now.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    crosses = end < start
    inside = (start <= clock or clock < end) if crosses else (start <= clock < end)
    if not inside:
        return None
    end_day = local.date() + dt.timedelta(days=1) if crosses and clock >= start else local.date()
    return dt.datetime.combine(end_day, end, tzinfo=tz).astimezone(dt.UTC)


def digest_period(created_at: dt.datetime, frequency: str, tz: ZoneInfo) -> tuple[dt.date, dt.datetime]:
    """The period an item created at `created_at` belongs to (its first local day) and when its
    digest is due (UTC): 08:00 local the day after a daily period, the Monday after a weekly one."""
    day = created_at.astimezone(tz).date()
    if frequency == "weekly":
        start = day - dt.timedelta(days=(day.weekday() - WEEKLY_DIGEST_WEEKDAY) % 7)
        due_day = start + dt.timedelta(days=7)
    else:
        start, due_day = day, day + dt.timedelta(days=1)
    return start, dt.datetime.combine(due_day, dt.time(DIGEST_HOUR), tzinfo=tz).astimezone(dt.UTC)


def backoff(attempts: int, *, base_seconds: int = 60, cap_seconds: int = 6 * 3600) -> dt.timedelta:
    """Wait before retry number `attempts` (1 → 1 min, 2 → 4 min, 3 → 16 min …, at most 6 h)."""
    return dt.timedelta(seconds=min(cap_seconds, base_seconds * 4 ** max(0, attempts - 1)))


def as_time(value: Any) -> dt.time:
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))
