"""Who may use routines: the plan's `tasks` solution, through solution access.

Members who may use Tasks read routines and their next occurrences; tenant admins (and API keys with
`tasks:write` reaching the solution) create, edit, split, pause and change occurrences. Another
tenant's routine is simply not in this schema: "not yours" and "missing" are the same 404.
"""

from django.http import Http404

from apps.solutions.access import HasSolutionAccess, SolutionRequiredMixin
from apps.surfaces.api import TenantAccess

from .models import Routine
from .selectors import routine_list

SOLUTION = "tasks"


def routine_get(routine_id: int) -> Routine:
    found = routine_list().filter(pk=routine_id).first()
    if found is None:
        raise Http404("No such routine.")
    return found


class RoutinesPortalMixin(SolutionRequiredMixin):
    solution_code = SOLUTION


class RoutinesApiMixin:
    tenant_access = "member_read_admin_write"
    resource_family = "tasks"
    solution_code = SOLUTION
    permission_classes = [TenantAccess, HasSolutionAccess]
