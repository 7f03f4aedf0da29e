"""A report's period as whole local days: relative ones ("last week") resolved at a moment in the
organisation's time zone (a scheduled run resolves them at its occurrence), or fixed dates."""

import datetime
import zoneinfo

from .models import Period


def period_bounds(
    period: str,
    *,
    at: datetime.datetime,
    zone: zoneinfo.ZoneInfo,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> tuple[datetime.date, datetime.date]:
    """First and last day (both included) of `period` as seen at `at` in `zone`."""
    today = at.astimezone(zone).date()
    monday = today - datetime.timedelta(days=today.weekday())
    first_of_month = today.replace(day=1)
    if period == Period.FIXED and start and end:
        return start, end
    if period == Period.TODAY:
        return today, today
    if period == Period.YESTERDAY:
        return today - datetime.timedelta(days=1), today - datetime.timedelta(days=1)
    if period == Period.THIS_WEEK:
        return monday, today
    if period == Period.LAST_WEEK:
        return monday - datetime.timedelta(days=7), monday - datetime.timedelta(days=1)
    if period == Period.LAST_7_DAYS:
        return today - datetime.timedelta(days=7), today - datetime.timedelta(days=1)
    if period == Period.THIS_MONTH:
        return first_of_month, today
    if period == Period.LAST_MONTH:
        last_day = first_of_month - datetime.timedelta(days=1)
        return last_day.replace(day=1), last_day
    # LAST_30_DAYS (and a fixed period missing its dates, which the database refuses anyway)
    return today - datetime.timedelta(days=30), today - datetime.timedelta(days=1)
