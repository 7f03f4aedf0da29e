"""Demo attendance for Acme (seed_demo, after the workplaces, rosters and timeclock steps): the
organisation's overtime rule, one-step workflows for corrections and overtime (the person's manager,
else Acme's admin), the records of the last 30 days and their overtime, and one pending correction
(Sam forgot to clock out on his latest worked day). Idempotent: what exists is left as it is."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.models import User
from apps.approvals.models import ApprovalWorkflow
from apps.approvals.services import workflow_save
from apps.tenancy.models import Tenant

from .models import CORRECTION_KIND, OVERTIME_KIND, AttendanceCorrection, AttendanceRecord, OvertimeRule
from .services import correction_request, overtime_generate, records_compute

CORRECTED_PERSON = "sam@acme.localhost"


def _workflows(admin: User) -> None:
    for kind, name in ((CORRECTION_KIND, "Attendance corrections"), (OVERTIME_KIND, "Overtime")):
        if ApprovalWorkflow.objects.filter(kind=kind).exists():
            continue
        workflow_save(
            kind=kind, name=name, description="The person's manager decides; Acme's admin when nobody manages them.",
            steps=[{"name": "Manager", "approver_type": "manager", "manager_levels": 1, "rule": "any",
                    "fallback_approver_id": admin.pk, "time_limit_hours": 72, "on_timeout": "escalate"}],
            acting_user=admin,
        )  # fmt: skip


def _correction() -> bool:
    person = User.objects.filter(email=CORRECTED_PERSON).first()
    if person is None or AttendanceCorrection.objects.filter(user=person).exists():
        return False
    record = (AttendanceRecord.objects.filter(user=person, first_in__isnull=False, workplace__isnull=False)
              .exclude(date=timezone.localdate()).select_related("workplace").order_by("-date").first())  # fmt: skip
    if record is None or record.first_in is None or record.workplace is None:
        return False
    out = record.first_in + datetime.timedelta(hours=8, minutes=30)
    correction_request(
        user=person, date=record.date, acting_user=person, reason="I forgot to clock out at the end of my shift.",
        punches=[{"kind": "in", "at": record.first_in, "workplace": record.workplace.code},
                 {"kind": "out", "at": out, "workplace": record.workplace.code}],
    )  # fmt: skip
    return True


def attendance_demo_seed(admin: User) -> dict[str, int]:
    """In Acme's schema: rule, workflows, the month's records and overtime, a pending correction."""
    with transaction.atomic():
        if not OvertimeRule.objects.filter(workplace__isnull=True).exists():
            OvertimeRule.objects.create(workplace=None, daily_threshold_minutes=480, weekly_threshold_minutes=2280)
        _workflows(admin)
    today = timezone.localdate()
    first = today - datetime.timedelta(days=30)  # the span of the time clock's demo punches
    day, changed = first, 0
    while day <= today:
        counts = records_compute(day)
        changed += counts["created"] + counts["changed"]
        day += datetime.timedelta(days=1)
    overtime = overtime_generate(start=first, end=today)
    with transaction.atomic():
        corrected = _correction()
    return {"records": changed, "overtime": overtime["created"], "correction": int(corrected)}


def demo_seed(*, stdout: Any = None) -> None:
    acme = Tenant.objects.filter(slug="acme").first()
    admin = User.objects.filter(email="admin@acme.localhost").first()
    if acme is None or admin is None:
        return
    with tenant_context(acme):
        done = attendance_demo_seed(admin)
    if stdout is not None:
        stdout.write(f"  Attendance:   Acme: {done['records']} records computed, {done['overtime']} overtime "
                     f"records, {done['correction']} pending correction\n")  # fmt: skip
