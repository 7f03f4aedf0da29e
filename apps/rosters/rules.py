"""The roster rules a shift is checked against, with one finding per breach.

- double booking (overlapping shifts of one person): always refused (the database refuses it too);
- minimum rest between two shifts of a person, and maximum hours in a Monday-to-Sunday week: refused
  or flagged as the workplace's (else the organisation's) RosterRules say;
- approved leave on the day (any AvailabilityProvider contribution says the person is away): flagged.

Each finding carries a code and a message naming the person, the day and the rule. The checks load
each person's neighbouring shifts once for a whole batch and ask each provider once per day.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from apps.core.contributions import AvailabilityProvider, contributions, resolve

from .models import RosterRules, RuleAction, Shift, ShiftStatus

WINDOW = datetime.timedelta(days=8)


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    refuse: bool

    def as_flag(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def rules_for(workplace_id: int | None) -> RosterRules:
    """The workplace's override, else the organisation's default, else the built-in defaults."""
    found = {r.workplace_id: r for r in RosterRules.objects.filter(Q(workplace_id=workplace_id) | Q(workplace=None))}
    return found.get(workplace_id) or found.get(None) or RosterRules()


def rules_snapshot(rules: RosterRules) -> dict[str, Any]:
    return {
        "min_rest_hours": rules.min_rest_hours,
        "min_rest_action": rules.min_rest_action,
        "max_weekly_hours": rules.max_weekly_hours,
        "max_weekly_action": rules.max_weekly_action,
        "source": "workplace" if rules.workplace_id else ("organisation" if rules.pk else "defaults"),
    }


def person_names(user_ids: Iterable[Any]) -> dict[Any, str]:
    users = get_user_model().objects.filter(pk__in=set(user_ids)).only("pk", "email", "full_name")
    return {u.pk: (getattr(u, "full_name", "") or u.email) for u in users}


def away_days(user_ids: Iterable[Any], days: Iterable[datetime.date]) -> set[tuple[Any, datetime.date]]:
    """(user id, day) pairs that an availability provider (approved leave) reports as away."""
    ids, away = list(set(user_ids)), set()
    providers = [resolve(p.away) for p in contributions(AvailabilityProvider)]
    for day in sorted(set(days)):
        for provider in providers:
            for user_id in provider(ids, day) or ():
                away.add((str(user_id), day))
    return away


def _hours(minutes: int) -> str:
    return f"{minutes / 60:g} h"


class Checker:
    """Checks candidate shifts (saved or not) against each other and the people's other shifts."""

    def __init__(self, candidates: list[Shift], rules: RosterRules, *, ignore_ids: Iterable[int] = ()) -> None:
        self.candidates = [c for c in candidates if c.status != ShiftStatus.CANCELLED]
        self.rules = rules
        self.ignore = {*ignore_ids, *(c.pk for c in candidates if c.pk)}
        self.names = person_names(c.user_id for c in self.candidates)

    def _existing(self) -> dict[Any, list[Shift]]:
        by_user: dict[Any, list[Shift]] = defaultdict(list)
        if not self.candidates:
            return by_user
        low = min(c.starts_at for c in self.candidates) - WINDOW
        high = max(c.ends_at for c in self.candidates) + WINDOW
        rows = (
            Shift.objects.filter(user_id__in={c.user_id for c in self.candidates}, starts_at__lt=high, ends_at__gt=low)
            .exclude(status=ShiftStatus.CANCELLED)
            .exclude(pk__in=self.ignore)
            .only("id", "user_id", "starts_at", "ends_at", "unpaid_break_minutes", "local_date", "status")
        )
        for row in rows:
            by_user[row.user_id].append(row)
        return by_user

    def findings(self) -> dict[int, list[Finding]]:
        """Index of each candidate → its findings (only candidates with any)."""
        existing, result = self._existing(), defaultdict[int, list[Finding]](list)
        away = away_days((c.user_id for c in self.candidates), (c.local_date for c in self.candidates))
        for index, shift in enumerate(self.candidates):
            others = existing[shift.user_id] + [
                c for i, c in enumerate(self.candidates) if i != index and c.user_id == shift.user_id
            ]
            result[index] += self._overlap(shift, others) + self._rest(shift, others)
            result[index] += self._weekly(shift, others)
            if (str(shift.user_id), shift.local_date) in away:
                result[index].append(
                    Finding(
                        "on_leave",
                        f"{self._who(shift)} is on approved leave on {self._day(shift)} (rule: leave overlap).",
                        refuse=False,
                    )
                )
        return {i: found for i, found in result.items() if found}

    def _who(self, shift: Shift) -> str:
        return self.names.get(shift.user_id, str(shift.user_id))

    @staticmethod
    def _day(shift: Shift) -> str:
        return shift.local_date.strftime("%a %d %b %Y")

    def _overlap(self, shift: Shift, others: list[Shift]) -> list[Finding]:
        for other in others:
            if other.starts_at < shift.ends_at and shift.starts_at < other.ends_at:
                return [
                    Finding(
                        "double_booking",
                        f"{self._who(shift)} already has a shift overlapping "
                        f"{self._day(shift)} (rule: no double booking).",
                        refuse=True,
                    )
                ]
        return []

    def _rest(self, shift: Shift, others: list[Shift]) -> list[Finding]:
        hours = self.rules.min_rest_hours
        if not hours:
            return []
        needed = datetime.timedelta(hours=hours)
        for other in others:
            gap = (
                shift.starts_at - other.ends_at if other.ends_at <= shift.starts_at else other.starts_at - shift.ends_at
            )
            if datetime.timedelta(0) <= gap < needed:
                rest = _hours(int(gap.total_seconds() // 60))
                return [
                    Finding(
                        "min_rest",
                        f"{self._who(shift)} would rest only {rest} around the shift on "
                        f"{self._day(shift)} (rule: at least {hours} h between shifts).",
                        refuse=self.rules.min_rest_action == RuleAction.REFUSE,
                    )
                ]
        return []

    def _weekly(self, shift: Shift, others: list[Shift]) -> list[Finding]:
        limit = self.rules.max_weekly_hours
        if not limit:
            return []
        monday = shift.local_date - datetime.timedelta(days=shift.local_date.weekday())
        week = [s for s in [*others, shift] if monday <= s.local_date < monday + datetime.timedelta(days=7)]
        total = sum(s.scheduled_minutes for s in week)
        if total <= limit * 60:
            return []
        return [
            Finding(
                "max_weekly_hours",
                f"{self._who(shift)} would be rostered {_hours(total)} in the week of "
                f"{monday.strftime('%d %b %Y')} with the shift on {self._day(shift)} "
                f"(rule: at most {limit} h a week).",
                refuse=self.rules.max_weekly_action == RuleAction.REFUSE,
            )
        ]
