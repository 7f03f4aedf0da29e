"""Public holidays of a workplace, from the `holidays` library (country and subdivision, offline).

`holidays_between(workplace, start, end)` is what rosters, attendance and leave ask ("is this a
public holiday where this person works?"). The library computes holidays from rules, so there is no
table to keep current: upgrading the pinned `holidays` version brings new years and rule changes.
"""

import datetime
from functools import lru_cache
from typing import Any

import holidays

MAX_SPAN_DAYS = 3 * 366  # a request for more years is refused (each year is computed in memory)


@lru_cache(maxsize=1)
def supported() -> dict[str, tuple[str, ...]]:
    """Country code → the subdivision codes the library knows for it."""
    return {code: tuple(subdivisions) for code, subdivisions in holidays.list_supported_countries().items()}


def holiday_region_problem(country: str, subdivision: str) -> str | None:
    """Why (country, subdivision) cannot give public holidays, or None when it can."""
    if not country:
        return "Give the country whose public holidays apply." if subdivision else None
    if country not in supported():
        return f"Public holidays are not available for the country “{country}”."
    if subdivision and subdivision not in supported()[country]:
        known = ", ".join(supported()[country]) or "none"
        return f"“{subdivision}” is not a subdivision of {country} (known: {known})."
    return None


@lru_cache(maxsize=512)
def _calendar(country: str, subdivision: str, year: int) -> dict[datetime.date, str]:
    calendar = holidays.country_holidays(country, subdiv=subdivision or None, years=[year])
    return dict(calendar.items())


def holidays_in(country: str, subdivision: str, start: datetime.date, end: datetime.date) -> dict[datetime.date, str]:
    """Public holidays from `start` to `end` (both included), date → name, in date order."""
    if not country or end < start:
        return {}
    if (end - start).days > MAX_SPAN_DAYS:
        raise ValueError(f"Ask for at most {MAX_SPAN_DAYS} days of public holidays at a time.")
    found: dict[datetime.date, str] = {}
    for year in range(start.year, end.year + 1):
        found.update((day, name) for day, name in _calendar(country, subdivision, year).items() if start <= day <= end)
    return dict(sorted(found.items()))


def holidays_between(workplace: Any, start: datetime.date, end: datetime.date) -> dict[datetime.date, str]:
    """The public holidays that apply at `workplace` from `start` to `end` (both included)."""
    return holidays_in(workplace.holiday_country, workplace.holiday_subdivision, start, end)
