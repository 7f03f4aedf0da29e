"""Demo rosters for Acme (called by seed_demo after the workplaces step): three shift types (Day, Late,
Night), and at SYD-CBD and PARRAMATTA a published roster covering this month ± 2 weeks, in which the
demo members work Monday to Friday day shifts through a repeating pattern. Idempotent: shift types are
found by code and rosters by name; what exists is left as it is."""

import contextlib
import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership, User
from apps.solutions.services import solution_access_ensure
from apps.tenancy.models import Tenant
from apps.workplaces.models import Workplace

from .models import Roster, ShiftType
from .services import pattern_add, roster_create, roster_publish, shift_type_create

SHIFT_TYPES = [
    ("DAY", "Day", datetime.time(9), datetime.time(17, 30), 30, "#2f6fdf"),
    ("LATE", "Late", datetime.time(14), datetime.time(22), 30, "#d97706"),
    ("NIGHT", "Night", datetime.time(22), datetime.time(6), 30, "#6d28d9"),
]
SITES = {
    "SYD-CBD": ["manager@acme.localhost", "sam@acme.localhost", "sara@acme.localhost"],
    "PARRAMATTA": ["sue@acme.localhost", "oliver@acme.localhost"],
}


def period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = today.replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return first - datetime.timedelta(days=14), last + datetime.timedelta(days=14)


def _shift_types() -> dict[str, ShiftType]:
    found = {st.code: st for st in ShiftType.objects.filter(code__in=[row[0] for row in SHIFT_TYPES])}
    for code, name, start, end, unpaid, colour in SHIFT_TYPES:
        if code not in found:
            found[code] = shift_type_create(
                code=code,
                name=name,
                start_time=start,
                end_time=end,
                unpaid_break_minutes=unpaid,
                colour=colour,
                acting_user=None,
            )
    return found


@transaction.atomic
def rosters_demo_seed(tenant: Tenant, *, today: datetime.date) -> int:
    """In the tenant's schema; returns how many rosters were created."""
    day_type, created = _shift_types()["DAY"], 0
    start, end = period(today)
    for code, emails in SITES.items():
        site = Workplace.objects.filter(code=code, kind="site").first()
        name = f"{site.name if site else code}, {today:%B %Y}"
        members = Membership.objects.filter(
            tenant=tenant, status=Membership.Status.ACTIVE, user__email__in=emails
        ).values_list("user_id", flat=True)
        people = list(User.objects.filter(pk__in=list(members)))
        # The rostered people may use Attendance (their shifts, the clock, the mobile app's API).
        with contextlib.suppress(ValidationError):  # a plan without Attendance: nothing to give
            solution_access_ensure(solution_code="attendance", users=people, reason="Demo: rostered at " + code)
        if site is None or Roster.objects.filter(workplace=site, name=name).exists():
            continue
        roster = roster_create(workplace=site, name=name, start_date=start, end_date=end, acting_user=None)
        if people:
            pattern_add(
                roster=roster,
                shift_type=day_type,
                users=people,
                acting_user=None,
                rrule=f"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL={end:%Y%m%d}",
            )
        roster_publish(roster=roster, acting_user=None)
        created += 1
    return created


def demo_seed(*, stdout: Any = None) -> None:
    acme = Tenant.objects.filter(slug="acme").first()
    if acme is None:
        return
    with tenant_context(acme):
        created = rosters_demo_seed(acme, today=timezone.localdate())
    if stdout is not None and created:
        stdout.write(f"  Rosters:      Acme: {created} published rosters (Mon-Fri day shifts at SYD-CBD, PARRAMATTA)\n")
