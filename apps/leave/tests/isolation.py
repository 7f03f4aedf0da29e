"""Globex's leave for the isolation matrix (tests/isolation_world.py): a leave type, a request and a
ledger entry of globex's subject; acme's people must neither see nor act on them by id."""

import datetime
from importlib import import_module
from typing import Any

SEGMENTS = {("requests", "pk"): "leave_request", ("balances", "user"): "leave_user"}


def build(world: Any) -> None:
    from apps.leave.models import LeaveLedgerEntry, LeaveRequest, LeaveType

    # the shared world's canary (imported by name: the shared test module is not type-checked with the apps)
    CANARY = import_module("tests.isolation_world").CANARY
    schema, subject, keep = world.globex.schema_name, world.users["globex_subject"], world.keep
    leave_type = keep(schema, LeaveType.objects.create(code="GXANNUAL", name=f"Annual {CANARY}"))
    day = datetime.date(2026, 3, 2)
    request = keep(
        schema,
        LeaveRequest.objects.create(
            user=subject,
            leave_type=leave_type,
            start_date=day,
            end_date=day,
            effective_end=day,
            minutes=456,
            day_minutes={day.isoformat(): 456},
            reason=f"Leave {CANARY}",
        ),
    )
    keep(
        schema,
        LeaveLedgerEntry.objects.create(
            user=subject,
            leave_type=leave_type,
            kind="accrual",
            minutes=456,
            effective_on=day,
            idempotency_key=f"isolation:{subject.pk}",
            note=CANARY,
        ),
    )
    world.values["leave_request"] = (request.pk, True)
    world.values["leave_user"] = (str(subject.pk), True)
