"""Globex's routine for the isolation matrix: acme's people and keys must neither see nor change it."""

import datetime
from importlib import import_module
from typing import Any

from apps.routines.models import Routine, RoutineTask
from apps.workplaces.models import Workplace

CANARY = import_module("tests.isolation_world").CANARY

SEGMENTS = {("routines", "routine_id"): "routines_routine"}


def build(world: Any) -> None:
    site = Workplace.objects.create(kind="region", code="GX-RT-MATRIX", name=f"Region {CANARY}")
    routine = Routine.objects.create(name=f"Visit {CANARY}", workplace=site, rrule="FREQ=WEEKLY;COUNT=5",
                                     start_date=datetime.date(2030, 1, 7), start_time=datetime.time(9))  # fmt: skip
    member = RoutineTask.objects.create(routine=routine, position=1, title=f"Check {CANARY}")
    for obj in (site, routine, member):
        world.keep(world.globex.schema_name, obj)
    world.values["routines_routine"] = (routine.pk, True)
