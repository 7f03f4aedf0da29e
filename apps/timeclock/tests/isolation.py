"""Globex's punch for the isolation matrix: acme's people and keys must neither see nor review it."""

import uuid
from importlib import import_module
from typing import Any

from django.utils import timezone

from apps.timeclock.models import Punch

# Read from the shared world at run time (importing it here would make mypy check that module too).
CANARY = import_module("tests.isolation_world").CANARY

SEGMENTS = {("punches", "punch"): "timeclock_punch"}


def build(world: Any) -> None:
    now = timezone.now()
    punch = Punch.objects.create(client_id=uuid.uuid4(), user=world.users["globex_subject"], kind="in", at=now,
                                 device_at=now, received_at=now, flags=["outside_fence"], needs_review=True,
                                 note=f"Punch {CANARY}")  # fmt: skip
    world.keep(world.globex.schema_name, punch)
    world.values["timeclock_punch"] = (punch.pk, True)
