"""Demo leave for Acme (called by seed_demo, after the people and workplaces): Annual (20 days a year,
monthly accrual), Personal/sick (10 days, lump sum, certificate beyond 2 days) and Unpaid; policies
assigned to the root entity from the start of last year; this year's accruals; for Sam Seller one
approved and one pending request; a "Leave requests" workflow (the requester's manager) unless the kind
has one. Idempotent: rows are found by their codes and names, accruals by their idempotency keys."""

import contextlib
import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership, User
from apps.approvals.services import request_approve, workflow_active, workflow_save
from apps.organisation.selectors import entity_root
from apps.solutions.services import solution_access_ensure
from apps.tenancy.models import Tenant

from .models import KIND, LeavePolicy, LeavePolicyAssignment, LeaveRequest, LeaveType
from .selectors import approval_request_of
from .services import leave_accrue, leave_policy_save, leave_request_submit, leave_type_save, policy_assign

DAY = 456
TYPES: list[tuple[str, str, dict[str, Any]]] = [
    ("ANNUAL", "Annual leave", {"colour": "#2E7D32"}),
    (
        "SICK",
        "Personal/sick leave",
        {"unit": "half_day", "attachment_required": True, "attachment_after_days": 2, "colour": "#C62828"},
    ),
    (
        "UNPAID",
        "Unpaid leave",
        {"paid": False, "requires_balance": False, "max_consecutive_days": 60, "colour": "#757575"},
    ),
]
POLICIES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "Annual leave (20 days)",
        "ANNUAL",
        {
            "accrual": "monthly",
            "minutes_per_year": 20 * DAY,
            "carry_over_cap_minutes": 10 * DAY,
            "carry_over_expiry_months": 6,
        },
    ),
    (
        "Personal/sick leave (10 days)",
        "SICK",
        {"accrual": "lump_sum", "minutes_per_year": 10 * DAY, "carry_over_cap_minutes": 0},
    ),
]


def _next_monday(day: datetime.date, weeks: int) -> datetime.date:
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7 + 7 * weeks)


@transaction.atomic
def leave_demo_seed(*, acting_user: Any = None) -> int:
    """In the current tenant's schema; returns how many requests were created."""
    types = {}
    for code, name, fields in TYPES:
        types[code] = LeaveType.objects.filter(code=code).first() or leave_type_save(
            code=code, name=name, acting_user=acting_user, **fields
        )
    root = entity_root()
    today = timezone.localdate()
    for name, code, fields in POLICIES:
        policy = LeavePolicy.objects.filter(name=name).first() or leave_policy_save(
            name=name, leave_type=types[code], acting_user=acting_user, **fields
        )
        if root is not None and not LeavePolicyAssignment.objects.filter(policy=policy, entity=root).exists():
            policy_assign(
                policy=policy, entity=root, starts_on=datetime.date(today.year - 1, 1, 1), acting_user=acting_user
            )
    if workflow_active(KIND) is None:
        workflow_save(
            kind=KIND,
            name="Leave requests",
            acting_user=acting_user,
            steps=[{"name": "Manager", "approver_type": "manager", "manager_levels": 1, "rule": "any"}],
        )
    # The organisation's members may use Leave (their balances and requests, in the portal and the app).
    members = User.objects.filter(
        memberships__tenant__schema_name=getattr(connection, "schema_name", ""),
        memberships__status=Membership.Status.ACTIVE,
        memberships__role=Membership.Role.MEMBER,
    ).distinct()
    with contextlib.suppress(ValidationError):  # a plan without Leave: nothing to give
        solution_access_ensure(solution_code="leave", users=members, reason="Demo: every member")
    leave_accrue(today=today)
    sam = User.objects.filter(email="sam@acme.localhost").first()
    created = 0
    if sam is not None and not LeaveRequest.objects.filter(user=sam).exists():
        approved = leave_request_submit(
            user=sam,
            leave_type=types["ANNUAL"],
            start_date=_next_monday(today, 2),
            end_date=_next_monday(today, 2) + datetime.timedelta(days=4),
            reason="Family holiday",
            acting_user=sam,
        )
        approval = approval_request_of(approved)
        approver = (
            approval.assignments.filter(status="pending").select_related("approver").first() if approval else None
        )
        if approval is not None and approver is not None:
            request_approve(request=approval, acting_user=approver.approver, comment="Enjoy!")
        leave_request_submit(
            user=sam,
            leave_type=types["ANNUAL"],
            start_date=_next_monday(today, 6),
            end_date=_next_monday(today, 6) + datetime.timedelta(days=1),
            reason="Long weekend",
            acting_user=sam,
        )
        created = 2
    return created


def demo_seed(*, stdout: Any = None) -> None:
    acme = Tenant.objects.filter(slug="acme").first()
    if acme is None:
        return
    with tenant_context(acme):
        created = leave_demo_seed()
    if stdout is not None:
        stdout.write(f"  Leave:        Acme: 3 leave types, 2 policies, accruals; {created} requests for Sam\n")
