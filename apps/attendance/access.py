"""Who may use attendance: the plan's `attendance` solution, through solution access (tenant admins
reach every solution of the plan). Inside it, tenant admins (and API keys with the scope) see
everyone's attendance, managers their direct reports' (organisation reporting lines) and everyone
their own: `visible_user_ids` answers that once per request.

Portal pages mix in `AttendanceAccessMixin` (a `SolutionRequiredMixin`); API views use
`API_PERMISSIONS` (the base's `TenantAccess`, then `HasSolutionAccess`, which reads `solution_code`).
"""

import uuid
from typing import Any

from django.http import HttpRequest
from rest_framework import exceptions

from apps.accounts.access import is_service_principal, is_tenant_admin
from apps.organisation.models import MemberProfile
from apps.solutions.access import HasSolutionAccess, SolutionRequiredMixin
from apps.surfaces.api import TenantAccess

SOLUTION = "attendance"
API_PERMISSIONS = [TenantAccess, HasSolutionAccess]


class AttendanceAccessMixin(SolutionRequiredMixin):
    solution_code = SOLUTION


def report_ids(user: Any) -> set[uuid.UUID]:
    """The user ids of the person's direct reports (one query)."""
    if not getattr(user, "pk", None) or is_service_principal(user):
        return set()
    return set(MemberProfile.objects.filter(manager__user_id=user.pk).values_list("user_id", flat=True))


def sees_everyone(request: HttpRequest) -> bool:
    """Tenant admins and API keys (their scope and role decided they may use attendance)."""
    return is_service_principal(request.user) or is_tenant_admin(request)


def visible_user_ids(request: HttpRequest) -> set[uuid.UUID] | None:
    """None: everyone; else the caller and their direct reports (memoised on the request)."""
    raw: Any = getattr(request, "_request", request)
    if not hasattr(raw, "_attendance_visible"):
        raw._attendance_visible = None if sees_everyone(request) else {request.user.pk, *report_ids(request.user)}
    return raw._attendance_visible  # type: ignore[no-any-return]


def is_manager(request: HttpRequest) -> bool:
    visible = visible_user_ids(request)
    return visible is None or len(visible) > 1


def person_require(request: Any) -> None:
    """Endpoints about "me": an API key (a service principal) has no attendance of its own."""
    if is_service_principal(request.user):
        raise exceptions.PermissionDenied(
            {"detail": "This is a person's own attendance: sign in as one (an API key has none).",
             "code": "person_required"}
        )  # fmt: skip
