"""Demo reports for Acme (seed_demo): a "Weekly attendance" report (attendance by person, last week) scheduled
every Monday at 08:00 in Acme's time zone (Australia/Sydney when Acme has none) to the tenant admin by email
with a signed link, and last Monday's run already sent (with its PDF), so the run history is not empty.
Idempotent: found by name; the past run is unique per occurrence."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.models import User
from apps.catalogue.selectors import plan_solution_codes, tenant_plan
from apps.core.recurrence import occurrence_key, zone
from apps.tenancy.models import Tenant

from .models import ReportDefinition, ReportRun, RunStatus
from .services import definition_create, next_occurrence, report_generate, schedule_create, schedule_rule

NAME = "Weekly attendance"
RULE = "FREQ=WEEKLY;BYDAY=MO"


@transaction.atomic
def reporting_demo_seed(tenant: Any) -> int:
    """In the tenant's schema; returns how many definitions were created (0 or 1)."""
    admin = User.objects.filter(email=f"admin@{tenant.slug}.localhost").first()
    if admin is None or ReportDefinition.objects.filter(name=NAME).exists():
        return 0
    zone_name = tenant.time_zone if tenant.time_zone and tenant.time_zone != "UTC" else "Australia/Sydney"
    tz = zone(zone_name)
    definition = definition_create(
        name=NAME, dataset="attendance", grouping="person", period="last_week", acting_user=admin,
        description="Hours worked, lateness, absences and overtime per person, Monday to Sunday.",
        columns=["days", "worked_hours", "late", "absent", "overtime_hours"],
    )  # fmt: skip
    now = timezone.now()
    local_today = now.astimezone(tz).date()
    last_monday = local_today - datetime.timedelta(days=local_today.weekday() or 7)
    starts = datetime.datetime.combine(last_monday - datetime.timedelta(days=28), datetime.time(8, 0))
    schedule = schedule_create(definition=definition, rrule=RULE, starts_at=starts, time_zone=zone_name,
                               format="pdf", people=[admin], acting_user=admin)  # fmt: skip
    rule = schedule_rule(RULE, starts_at=schedule.starts_at, tz=tz)
    past = next_occurrence(rule, tz, after=now - datetime.timedelta(days=7, minutes=1))
    if past is not None and past < now:
        report = report_generate(definition=definition, format="pdf", at=past, schedule=schedule)
        ReportRun.objects.get_or_create(
            schedule=schedule, occurrence_key=occurrence_key(past, tz),
            defaults={"definition": definition, "scheduled_for": past, "format": "pdf", "status": RunStatus.SENT,
                      "report": report, "attempts": 1, "recipients": 1, "started_at": past,
                      "finished_at": past + datetime.timedelta(seconds=3)},
        )  # fmt: skip
    return 1


def demo_seed(*, stdout: Any = None) -> None:
    acme = Tenant.objects.filter(slug="acme").first()
    if acme is None or "reports" not in plan_solution_codes(tenant_plan(acme)):
        return
    with tenant_context(acme):
        created = reporting_demo_seed(acme)
    if stdout is not None:
        stdout.write(
            f"  Reports:      Acme: {created} weekly attendance report, Mondays 08:00, to the admin by email\n"
        )
