"""Acme on a plan with attendance, its demo sites, a small team (Mia manages Sam; Sue is nobody's report),
and helpers that write shifts and punches the way rosters and timeclock store them."""

import datetime
import uuid
import zoneinfo
from types import SimpleNamespace
from typing import Any

import pytest
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership
from apps.approvals.services import workflow_save
from apps.attendance.models import CORRECTION_KIND, OVERTIME_KIND
from apps.catalogue.tests.fixtures import acme_pro, catalogue, globex_pro, pro_plan  # noqa: F401
from apps.organisation.services import profile_ensure
from apps.rosters.models import Roster, Shift
from apps.solutions.services import solution_access_grant
from apps.timeclock.models import Punch
from apps.workplaces.demo import workplaces_demo_seed
from apps.workplaces.models import Workplace
from tests.factories import MembershipFactory

SYD = zoneinfo.ZoneInfo("Australia/Sydney")


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), SYD)


def shift_make(user: Any, start: datetime.datetime, end: datetime.datetime, *, site: str = "SYD-CBD",
               unpaid: int = 30, paid: int = 0, grace: int = 5) -> Shift:  # fmt: skip
    workplace = Workplace.objects.get(code=site)
    day = start.astimezone(SYD).date()
    roster = Roster.objects.filter(workplace=workplace, start_date__lte=day, end_date__gte=day).first()
    roster = roster or Roster.objects.create(
        workplace=workplace, name=f"Test roster {day}", start_date=day - datetime.timedelta(days=150),
        end_date=day + datetime.timedelta(days=150), status="published", published_at=start,
    )  # fmt: skip
    return Shift.objects.create(roster=roster, user=user, workplace=workplace, local_date=day, starts_at=start,
                                ends_at=end, unpaid_break_minutes=unpaid, paid_break_minutes=paid,
                                late_grace_minutes=grace, status="published")  # fmt: skip


def punch_make(user: Any, kind: str, at: datetime.datetime, *, site: str = "SYD-CBD", **extra: Any) -> Punch:
    values = {"client_id": uuid.uuid4(), "user": user, "kind": kind, "at": at, "device_at": at, "received_at": at,
              "workplace": Workplace.objects.get(code=site), "verdict": "inside", "source": "mobile"}  # fmt: skip
    return Punch.objects.create(**{**values, **extra})


def leave_day(type_code: str = "annual", minutes: int | None = None) -> SimpleNamespace:
    return SimpleNamespace(type_code=type_code, type_name=type_code.title(), minutes=minutes, paid=True)


def _member(tenant: Any, email: str, name: str) -> Any:
    return MembershipFactory(tenant=tenant, role=Membership.Role.MEMBER, user__email=email, user__full_name=name).user


@pytest.fixture
def team(acme_pro, acme_admin):  # noqa: F811
    """Acme with the demo sites; Mia manages Sam; Sam, Mia and Sue may use attendance."""
    with tenant_context(acme_pro):
        workplaces_demo_seed()
        mia, sam, sue = (_member(acme_pro, f"{n}@acme.test", n.title()) for n in ("mia", "sam", "sue"))
        mia_profile = profile_ensure(user=mia, acting_user=None)
        profile_ensure(user=sam, acting_user=None, manager=mia_profile)
        profile_ensure(user=sue, acting_user=None)
        for user in (mia, sam, sue):
            solution_access_grant(solution_code="attendance", user=user, acting_user=acme_admin)
    return SimpleNamespace(tenant=acme_pro, admin=acme_admin, mia=mia, sam=sam, sue=sue)


@pytest.fixture
def workflows(team):
    """Corrections and overtime: one step decided by Acme's admin."""
    with tenant_context(team.tenant):
        for kind in (CORRECTION_KIND, OVERTIME_KIND):
            step = {"name": "Admin", "approver_type": "people", "people": [team.admin.pk], "rule": "any"}
            workflow_save(kind=kind, name=kind, acting_user=team.admin, steps=[step])
    return team
