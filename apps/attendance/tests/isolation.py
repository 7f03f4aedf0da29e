"""Globex's attendance objects for the isolation matrix (tests/isolation_world.py): a correction and an
overtime record (with a record of that day); acme's people must neither see nor act on them by id."""

import datetime
from importlib import import_module
from typing import Any

DAY = datetime.date(2030, 1, 7)


def build(world: Any) -> None:
    from apps.attendance.models import AttendanceCorrection, AttendanceRecord, OvertimeRecord

    canary = import_module("tests.isolation_world").CANARY  # by name: the world module is not type-checked

    schema, subject, keep = world.globex.schema_name, world.users["globex_subject"], world.keep
    computed = datetime.datetime(2030, 1, 8, tzinfo=datetime.UTC)
    keep(schema, AttendanceRecord.objects.create(user=subject, date=DAY, status="present", worked_minutes=600,
                                                 computation_hash=canary[:64], computed_at=computed))  # fmt: skip
    correction = keep(schema, AttendanceCorrection.objects.create(
        user=subject, date=DAY, reason=canary, requested_by=subject,
        punches=[{"kind": "in", "at": "2030-01-07T09:00:00+00:00", "workplace": canary}],
    ))  # fmt: skip
    overtime = keep(schema, OvertimeRecord.objects.create(user=subject, date=DAY, reason="daily", minutes=120,
                                                          multiplier="1.50", decision_reason=canary))  # fmt: skip
    world.values["attendance_correction"] = (str(correction.pk), True)
    world.values["attendance_overtime"] = (overtime.pk, True)


SEGMENTS = {("corrections", "pk"): "attendance_correction", ("overtime", "pk"): "attendance_overtime"}
