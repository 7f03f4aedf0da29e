"""Globex's rosters for the isolation matrix (tests/isolation_world.py): a shift type, a roster with a
shift whose notes and roster name carry the canary, and a calendar feed whose token the matrix puts in
the feed's address on acme's domain (it must be a 404 there, never globex's shifts)."""

import datetime
from importlib import import_module
from typing import Any

from django.utils import timezone

# Read at run time: a static import would pull tests/isolation_world.py (not written for mypy's
# strictness here) into `mypy apps`, which checks this package.
CANARY: str = import_module("tests.isolation_world").CANARY

SEGMENTS = {
    ("rosters", "roster_id"): "roster_id",
    ("shifts", "shift_id"): "shift_id",
    ("shift-types", "shift_type_id"): "shift_type_id",
    ("shifts", "token"): "rosters_feed_token",
}


def build(world: Any) -> None:
    from apps.rosters.models import CalendarFeed, Roster, Shift, ShiftType
    from apps.workplaces.models import Workplace

    schema, keep, subject = world.globex.schema_name, world.keep, world.users["globex_subject"]
    region = keep(schema, Workplace.objects.create(kind="region", code="GXR-ROSTER", name=f"Region {CANARY}"))
    area = keep(schema, Workplace.objects.create(kind="area", code="GXA-ROSTER", name=f"Area {CANARY}", parent=region))
    site = keep(schema, Workplace.objects.create(kind="site", code="GX-ROSTER", name=f"Site {CANARY}", parent=area))
    shift_type = keep(
        schema,
        ShiftType.objects.create(
            code="GXDAY", name=f"Day {CANARY}", start_time=datetime.time(9), end_time=datetime.time(17)
        ),
    )
    today = timezone.localdate()
    roster = keep(
        schema,
        Roster.objects.create(
            workplace=site, name=f"Roster {CANARY}", start_date=today, end_date=today + datetime.timedelta(days=6)
        ),
    )
    start = timezone.now() + datetime.timedelta(days=1)
    shift = keep(
        schema,
        Shift.objects.create(
            roster=roster,
            user=subject,
            workplace=site,
            shift_type=shift_type,
            local_date=start.date(),
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=8),
            status="published",
            notes=f"Notes {CANARY}",
        ),
    )
    feed = keep(schema, CalendarFeed.objects.create(user=subject))
    world.values["roster_id"] = (roster.pk, True)
    world.values["shift_id"] = (shift.pk, True)
    world.values["shift_type_id"] = (shift_type.pk, True)
    world.values["rosters_feed_token"] = (feed.token, True)
