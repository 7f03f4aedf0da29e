"""The database keeps the invariants of shifts whatever writes them: end after start, no double booking."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django_tenants.utils import tenant_context

from apps.rosters.models import Roster, Shift
from apps.rosters.selectors import shifts_between, shifts_on
from apps.workplaces.models import Workplace

SYD = ZoneInfo("Australia/Sydney")


def _site(code: str = "SYD-CBD") -> Workplace:
    region = Workplace.objects.create(kind="region", code=f"R{code}", name="Region")
    area = Workplace.objects.create(kind="area", code=f"A{code}", name="Area", parent=region)
    return Workplace.objects.create(kind="site", code=code, name="CBD", parent=area, time_zone="Australia/Sydney")


def _shift(roster, user, start, hours=8, **fields):
    return Shift.objects.create(
        roster=roster,
        user=user,
        workplace=roster.workplace,
        local_date=start.date(),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        **fields,
    )


def test_double_booking_is_refused_by_the_database(acme, acme_member):
    with tenant_context(acme):
        site = _site()
        roster = Roster.objects.create(
            workplace=site, name="Week", start_date=dt.date(2027, 1, 4), end_date=dt.date(2027, 1, 10)
        )
        start = dt.datetime(2027, 1, 4, 9, tzinfo=SYD)
        first = _shift(roster, acme_member, start, status="published")
        with pytest.raises(IntegrityError), transaction.atomic():
            _shift(roster, acme_member, start + dt.timedelta(hours=7))
        _shift(roster, acme_member, start + dt.timedelta(hours=8))  # back to back is fine
        _shift(roster, acme_member, start + dt.timedelta(hours=2), status="cancelled")  # cancelled ones don't count
        with pytest.raises(IntegrityError), transaction.atomic():
            _shift(roster, acme_member, start, hours=-1)
        assert first.scheduled_minutes == 480
        assert list(shifts_on(dt.date(2027, 1, 4))) == [first]
        found = shifts_between(start=start + dt.timedelta(hours=7), end=start + dt.timedelta(hours=9))
        assert [s.pk for s in found] == [first.pk]
        assert len(shifts_between(start=start, end=start + dt.timedelta(days=1), published_only=False)) == 3
