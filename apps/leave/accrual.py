"""The accrual engine: which ledger entries a policy gives a person up to a date (pure computation).

`planned_entries` walks the policy's periods from the person's start to `until` in date order and
returns the entries the ledger should hold, skipping the idempotency keys it already holds:

- lump sum: the year's amount on the first day of each policy year (pro-rata by days for the year
  the person starts in);
- monthly: each month's share on the month's last day, spread so a year sums exactly to the yearly
  amount (month k gets round(Y*k/12) - round(Y*(k-1)/12)); the starting month pro-rata by days;
- per hour worked: nothing here (`leave_accrue_hours` posts it when hours are known);
- year end: when a cap applies, the closing balance goes out on the last day and what the cap lets
  through comes back on the first day of the next year (two carry_over rows); when an expiry
  applies, the carried-in minutes not used (takes consume carried minutes first) within the expiry
  months go out as an expiry row on the expiry day.

The task writes what it returns (up to today); the projection adds it to the balance (up to any day)
and writes nothing. Both use the same walk, so the projection shows what the task will write.
"""

import calendar
import datetime
from dataclasses import dataclass
from typing import Any

from .models import AccrualMethod, LeavePolicy


@dataclass(frozen=True)
class Planned:
    kind: str
    minutes: int
    effective_on: datetime.date
    idempotency_key: str
    note: str = ""


@dataclass(frozen=True)
class Existing:
    kind: str
    minutes: int
    effective_on: datetime.date
    idempotency_key: str


def year_start(day: datetime.date, start_month: int) -> datetime.date:
    year = day.year if day.month >= start_month else day.year - 1
    return datetime.date(year, start_month, 1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _month_end(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def _share(total: int, k: int, parts: int) -> int:
    """The k-th (1-based) of `parts` shares of `total`, rounded so the shares sum exactly to `total`."""
    return round(total * k / parts) - round(total * (k - 1) / parts)


def _scaled(amount: int, days: int, of_days: int) -> int:
    return round(amount * days / of_days) if of_days else 0


def planned_entries(
    *,
    user_id: Any,
    leave_type_id: int,
    policy: LeavePolicy,
    starts_on: datetime.date,
    until: datetime.date,
    existing: list[Existing],
) -> list[Planned]:
    """The entries the ledger lacks from `starts_on` up to `until` (both included), in date order."""
    keys = {row.idempotency_key for row in existing}
    timeline: list[tuple[datetime.date, int]] = [(row.effective_on, row.minutes) for row in existing]
    takes: list[tuple[datetime.date, int]] = [
        (row.effective_on, row.minutes) for row in existing if row.kind in ("taken", "cancellation")
    ]
    carried: dict[datetime.date, int] = {
        row.effective_on: row.minutes for row in existing if row.kind == "carry_over" and row.minutes > 0
    }
    closed: dict[datetime.date, int] = {
        row.effective_on: row.minutes for row in existing if row.kind == "carry_over" and row.minutes < 0
    }
    planned: list[Planned] = []
    expiries: list[tuple[datetime.date, datetime.date]] = []
    prefix = f"{user_id}:{leave_type_id}"

    def add(entry: Planned) -> None:
        if entry.idempotency_key in keys or entry.effective_on > until:
            return
        keys.add(entry.idempotency_key)
        planned.append(entry)
        timeline.append((entry.effective_on, entry.minutes))

    def balance_through(day: datetime.date) -> int:
        return sum(minutes for effective, minutes in timeline if effective <= day)

    yearly = int(policy.minutes_per_year)
    first_year = year_start(starts_on, policy.year_start_month)
    year = first_year
    while year <= until:
        next_year = add_months(year, 12)
        days_in_year = (next_year - year).days
        if policy.accrual == AccrualMethod.LUMP_SUM and yearly:
            if year == first_year and starts_on > year:
                amount = _scaled(yearly, (next_year - starts_on).days, days_in_year) if policy.pro_rata else yearly
                add(Planned("accrual", amount, starts_on, f"accrual:{prefix}:{year}", "Yearly entitlement (pro-rata)"))
            else:
                add(Planned("accrual", yearly, year, f"accrual:{prefix}:{year}", "Yearly entitlement"))
        elif policy.accrual == AccrualMethod.MONTHLY and yearly:
            for k in range(1, 13):
                month = add_months(year, k - 1)
                end = _month_end(month)
                if end < starts_on:
                    continue
                amount = _share(yearly, k, 12)
                if starts_on > month and policy.pro_rata:
                    month_days = (end - month).days + 1
                    amount = _scaled(amount, (end - starts_on).days + 1, month_days)
                add(Planned("accrual", amount, end, f"accrual:{prefix}:{month:%Y-%m}", f"Accrual for {month:%B %Y}"))
        closing_day = next_year - datetime.timedelta(days=1)
        # Expiries falling in this year, after its accruals and before its closing.
        for expiry_day, carried_on in [item for item in expiries if item[0] <= closing_day]:
            expiries.remove((expiry_day, carried_on))
            if expiry_day > until:
                continue
            used = -sum(m for effective, m in takes if carried_on <= effective < expiry_day)
            remaining = max(0, carried.get(carried_on, 0) - max(0, used))
            expire = min(remaining, max(0, balance_through(expiry_day - datetime.timedelta(days=1))))
            if expire:
                add(
                    Planned(
                        "expiry",
                        -expire,
                        expiry_day,
                        f"expiry:{prefix}:{carried_on}",
                        "Carried-over minutes not used in time",
                    )
                )
        # Year end: the cap keeps part of the closing balance; an expiry is scheduled for what was carried.
        if next_year <= until and (policy.carry_over_cap_minutes is not None or policy.carry_over_expiry_months):
            closing = balance_through(closing_day) - closed.get(closing_day, 0)  # before its own "out" row
            if closing > 0:
                cap = policy.carry_over_cap_minutes
                kept = closing if cap is None else min(closing, int(cap))
                if kept != closing:
                    add(
                        Planned(
                            "carry_over",
                            -closing,
                            closing_day,
                            f"carry:{prefix}:{next_year}:out",
                            "Closing balance of the year",
                        )
                    )
                    add(
                        Planned(
                            "carry_over",
                            kept,
                            next_year,
                            f"carry:{prefix}:{next_year}:in",
                            f"Carried over (cap {cap} min)",
                        )
                    )
                carried.setdefault(next_year, kept)
                if policy.carry_over_expiry_months and carried[next_year] > 0:
                    expiries.append((add_months(next_year, int(policy.carry_over_expiry_months)), next_year))
        year = next_year
    return sorted(planned, key=lambda entry: entry.effective_on)
