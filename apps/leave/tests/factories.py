"""Leave set-ups the tests share: types, policies assigned to the root entity, a one-step workflow."""

import datetime
from typing import Any

from apps.approvals.services import workflow_save
from apps.leave.models import KIND, LeavePolicy, LeaveType
from apps.leave.services import leave_policy_save, leave_type_save, policy_assign
from apps.organisation.selectors import entity_root


def leave_setup(admin: Any, *, starts_on: datetime.date = datetime.date(2025, 1, 1), **policy: Any) -> dict[str, Any]:
    annual = leave_type_save(code="ANNUAL", name="Annual leave", acting_user=admin)
    sick = leave_type_save(code="SICK", name="Personal/sick leave", unit="half_day", attachment_required=True,
                           attachment_after_days=2,
                           acting_user=admin)  # fmt: skip
    hourly = leave_type_save(code="TOIL", name="Time off in lieu", unit=LeaveType.Unit.HOUR, acting_user=admin)
    unpaid = leave_type_save(code="UNPAID", name="Unpaid leave", paid=False, requires_balance=False,
                             max_consecutive_days=30, acting_user=admin)  # fmt: skip
    fields = {"accrual": LeavePolicy.Accrual.MONTHLY, "minutes_per_year": 20 * 456, **policy}
    annual_policy = leave_policy_save(name="Annual", leave_type=annual, acting_user=admin, **fields)
    sick_policy = leave_policy_save(name="Sick", leave_type=sick, accrual="lump_sum", minutes_per_year=10 * 456,
                                    acting_user=admin)  # fmt: skip
    toil_policy = leave_policy_save(name="TOIL", leave_type=hourly, accrual="lump_sum", minutes_per_year=40 * 60,
                                    acting_user=admin)  # fmt: skip
    root = entity_root()
    for item in (annual_policy, sick_policy, toil_policy):
        policy_assign(policy=item, entity=root, starts_on=starts_on, acting_user=admin)
    workflow = workflow_save(
        kind=KIND, name="Leave", acting_user=admin,
        steps=[{"name": "Admin", "approver_type": "people", "people": [admin.pk], "rule": "any"}],
    )  # fmt: skip
    return {"annual": annual, "sick": sick, "toil": hourly, "unpaid": unpaid, "policy": annual_policy,
            "sick_policy": sick_policy, "workflow": workflow}  # fmt: skip


def enrol(user: Any, *, manager: Any = None) -> Any:
    """The person's profile in the root entity (what the entity assignment covers), with a manager."""
    from apps.organisation.models import MemberProfile
    from apps.organisation.services import entity_membership_add, profile_ensure, profile_update

    profile = profile_ensure(user=user, acting_user=None)
    if not profile.entity_memberships.exists():
        root = entity_root()
        assert root is not None
        entity_membership_add(profile=profile, entity=root, is_primary=True, acting_user=None)
    if manager is not None:
        profile_update(profile=profile, manager=MemberProfile.objects.get(user=manager), acting_user=None)
    return profile
