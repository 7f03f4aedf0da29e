"""Globex's time entry for the isolation matrix: acme's people and keys must neither see, change nor
delete it, nor start a timer on globex's task."""

import datetime
from importlib import import_module
from typing import Any

from django.utils import timezone

from apps.tasks.models import Task
from apps.timesheets.models import TimeEntry

# Read from the shared world at run time (importing it here would make mypy check that module too).
CANARY = import_module("tests.isolation_world").CANARY

SEGMENTS = {("entries", "entry"): "timesheets_entry"}


def build(world: Any) -> None:
    now = timezone.now()
    user = world.users["globex_subject"]
    task = Task.objects.create(title=f"Task {CANARY}", assignee_kind="person", assignee=user)
    entry = TimeEntry.objects.create(task=task, user=user, started_at=now - datetime.timedelta(hours=2),
                                     ended_at=now - datetime.timedelta(hours=1), note=f"Entry {CANARY}")  # fmt: skip
    world.keep(world.globex.schema_name, entry)
    world.keep(world.globex.schema_name, task)
    world.values["timesheets_entry"] = (entry.pk, True)
