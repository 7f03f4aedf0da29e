"""Writes on the solution access registry: grant and revoke. Run in the tenant's schema.

Only a solution of the tenant's plan can be granted, to an active member of the tenant or to a
role. Revoking keeps the row (with who revoked it, when and why), so both changes stay in history.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.access.models import Role
from apps.accounts.models import Membership
from apps.audit import writes
from apps.audit.services import audit_record
from apps.catalogue.selectors import plan_solution_codes, solution_get, tenant_plan
from apps.tenancy.context import connection_tenant

from .models import SolutionAccess


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


SOLUTION_ACCESS_AUDITED = writes.Fields(
    "reason", solution="solution_code", user="user.code", role="role.code",
    revoked=lambda access: access.revoked_at is not None,
)  # fmt: skip


def solution_in_plan_check(*, tenant: Any, solution_code: str) -> None:
    solution = solution_get(solution_code)
    if solution is None or not solution.is_active:
        raise _error("solution_code", f"There is no solution “{solution_code}”.", "unknown_solution")
    if solution_code not in plan_solution_codes(tenant_plan(tenant)):
        raise _error(
            "solution_code", f"Your organisation's plan does not include {solution.name}.", "solution_not_in_plan"
        )


def _grantee_check(*, tenant: Any, solution_code: str, user: Any, role: Role | None) -> None:
    if (user is None) == (role is None):
        raise _error("__all__", "Give access to exactly one person or role.", "one_grantee")
    if user is not None:
        if not Membership.objects.filter(tenant=tenant, user=user, status=Membership.Status.ACTIVE).exists():
            raise _error("user", f"{user} is not an active member of this organisation.", "not_member")
        if SolutionAccess.objects.active().filter(solution_code=solution_code, user=user).exists():
            raise _error("user", f"{user} already has access to this solution.", "already_granted")
    elif SolutionAccess.objects.active().filter(solution_code=solution_code, role=role).exists():
        raise _error("role", f"The role “{role}” already has access to this solution.", "already_granted")


@transaction.atomic
def solution_access_grant(
    *, solution_code: str, user: Any = None, role: Role | None = None, reason: str = "", acting_user: Any
) -> SolutionAccess:
    """Let one member, or everyone holding a role (or a role below it), use a solution of the plan."""
    tenant = connection_tenant()
    solution_in_plan_check(tenant=tenant, solution_code=solution_code)
    _grantee_check(tenant=tenant, solution_code=solution_code, user=user, role=role)
    access = SolutionAccess(
        solution_code=solution_code, user=user, role=role, reason=reason.strip(),
        granted_by=writes.history_user(acting_user),
    )  # fmt: skip
    writes.save(access, acting_user=acting_user)
    audit_record(
        action="solutions.access_granted", acting_user=acting_user, tenant=tenant, target=access,
        after=writes.snapshot(access, SOLUTION_ACCESS_AUDITED),
    )  # fmt: skip
    return access


@transaction.atomic
def solution_access_revoke(*, access: SolutionAccess, acting_user: Any, reason: str = "") -> SolutionAccess:
    access = writes.locked(access, "user", "role")
    if access.revoked_at is not None:
        raise _error("__all__", "This access was already revoked.", "already_revoked")
    before = writes.snapshot(access, SOLUTION_ACCESS_AUDITED)
    access.revoked_at = timezone.now()
    access.revoked_by = writes.history_user(acting_user)
    access.revoke_reason = reason.strip()
    writes.save(access, acting_user=acting_user, update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_record(
        action="solutions.access_revoked", acting_user=acting_user, tenant=connection_tenant(), target=access,
        before=before,
        after={**writes.snapshot(access, SOLUTION_ACCESS_AUDITED), "revoke_reason": access.revoke_reason},
    )  # fmt: skip
    return access


def solution_access_ensure(*, solution_code: str, users: Any, acting_user: Any = None, reason: str = "") -> int:
    """Give each of `users` the solution unless they already hold an active direct grant of it (demo data,
    bulk set-up): running it again grants nothing. Returns how many grants were made."""
    users = list(users)
    holding = set(
        SolutionAccess.objects.active()
        .filter(solution_code=solution_code, user__in=users)
        .values_list("user_id", flat=True)
    )
    missing = [user for user in users if user.pk not in holding]
    for user in missing:
        solution_access_grant(solution_code=solution_code, user=user, reason=reason, acting_user=acting_user)
    return len(missing)
