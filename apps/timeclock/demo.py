"""Demo punches for Acme (seed_demo, after workplaces and rosters): the last 30 days of clock-ins and
clock-outs for the rostered people (their published shifts that have ended), or, when no roster is
there yet, for the demo people on weekdays 09:00 to 17:00 at the two stores. Mostly inside the fence,
a few late, one outside (flagged for review), one sent offline. Idempotent: client ids are uuid5 of
(person, shift or day, kind), and rows already there are left alone."""

import datetime
import random
import uuid
import zoneinfo
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.models import User
from apps.rosters.selectors import shifts_between
from apps.tenancy.models import Tenant
from apps.workplaces import geofence
from apps.workplaces.models import Workplace

from .models import Punch, PunchFlag, PunchKind, PunchSource

DEMO_EMAILS = ["manager@acme.localhost", "sam@acme.localhost", "sara@acme.localhost", "sue@acme.localhost",
               "oliver@acme.localhost"]  # fmt: skip
NAMESPACE = uuid.UUID("6d1f0c8e-15a1-4c6b-9d1e-7a3e2f5b9c40")


DEMO_DAYS = 30  # about a month of punches, whatever the day of the month


def _sessions(now: datetime.datetime) -> list[tuple[Any, Workplace, datetime.datetime, datetime.datetime, str]]:
    """(user id, site, scheduled start, scheduled end, key) for the last 30 days (the roster's shifts in them)."""
    start = now.replace(hour=0, minute=0, second=0, microsecond=0) - datetime.timedelta(days=DEMO_DAYS)
    shifts = [s for s in shifts_between(start=start, end=now) if s.ends_at <= now]
    if shifts:
        return [(s.user_id, s.workplace, s.starts_at, s.ends_at, f"shift:{s.pk}") for s in shifts]
    sites = list(Workplace.objects.filter(code__in=["SYD-CBD", "PARRAMATTA"]).select_related("geofence"))
    users = list(User.objects.filter(email__in=DEMO_EMAILS).order_by("email").values_list("pk", flat=True))
    if not sites or not users:
        return []
    sydney = zoneinfo.ZoneInfo("Australia/Sydney")
    sessions = []
    day = start.astimezone(sydney).date() + datetime.timedelta(days=1)
    while day < now.astimezone(sydney).date():
        if day.weekday() < 5:
            for index, user_id in enumerate(users):
                begins = datetime.datetime.combine(day, datetime.time(9), sydney)
                sessions.append((user_id, sites[index % len(sites)], begins, begins + datetime.timedelta(hours=8),
                                 f"day:{day.isoformat()}"))  # fmt: skip
        day += datetime.timedelta(days=1)
    return sessions


def _punch(user_id: Any, site: Workplace, kind: str, at: datetime.datetime, key: str, *, offset_m: float = 0.0,
           offline: bool = False) -> Punch:  # fmt: skip
    fence = getattr(site, "geofence", None)
    lat, lng = (fence.center_lat, fence.center_lng) if fence is not None else (None, None)
    verdict, distance, flags = "unknown", None, []
    if fence is not None and lat is not None and lng is not None:
        lat = lat + offset_m / 111_320
        found = geofence.verdict(fence.fence(), lat, lng, 12.0)
        verdict, distance = found.status, found.distance_m
        if found.status == "outside":
            flags.append(PunchFlag.OUTSIDE_FENCE)
    if offline:
        flags.append(PunchFlag.OFFLINE)
    received = at + (datetime.timedelta(hours=3) if offline else datetime.timedelta(seconds=2))
    return Punch(client_id=uuid.uuid5(NAMESPACE, f"{user_id}:{key}:{kind}"), user_id=user_id, kind=kind, at=at,
                 device_at=at, received_at=received, offline=offline, workplace=site, lat=lat, lng=lng,
                 accuracy_m=12.0 if lat is not None else None, source=PunchSource.MOBILE, verdict=verdict,
                 distance_m=distance, flags=flags, needs_review=PunchFlag.OUTSIDE_FENCE in flags)  # fmt: skip


@transaction.atomic
def timeclock_demo_seed(*, now: datetime.datetime | None = None) -> int:
    """In the current tenant's schema; returns how many punches were created."""
    now = now or timezone.now()
    rng = random.Random(63)  # noqa: S311 - demo data, not secrets
    rows: list[Punch] = []
    sessions = _sessions(now)
    outside_at, offline_at = (len(sessions) // 3, len(sessions) // 2) if sessions else (-1, -1)
    for index, (user_id, site, starts, ends, key) in enumerate(sessions):
        late = datetime.timedelta(minutes=rng.choice([12, 18, 25])) if rng.random() < 0.1 else datetime.timedelta(0)
        arrive = starts - datetime.timedelta(minutes=rng.randint(0, 8)) + late
        leave = ends + datetime.timedelta(minutes=rng.randint(0, 10))
        rows.append(_punch(user_id, site, PunchKind.IN, arrive, key, offset_m=rng.uniform(-60, 60) if index !=
                           outside_at else 900))  # fmt: skip
        rows.append(_punch(user_id, site, PunchKind.OUT, leave, key, offset_m=rng.uniform(-60, 60),
                           offline=index == offline_at))  # fmt: skip
    before = Punch.objects.count()
    Punch.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)  # ids already there: left alone
    return Punch.objects.count() - before


def demo_seed(*, stdout: Any = None) -> None:
    acme = Tenant.objects.filter(slug="acme").first()
    if acme is None:
        return
    with tenant_context(acme):
        created = timeclock_demo_seed()
    if stdout is not None and created:
        stdout.write(
            f"  Time clock:   Acme: {created} punches over {DEMO_DAYS} days (one outside the fence, one offline)\n"
        )
