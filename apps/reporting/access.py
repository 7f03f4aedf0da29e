"""Who may use reports: the plan's `reports` solution, through solution access.

A person with access builds report definitions and schedules and sees their own (and the runs and files
of them); tenant admins and API keys with the `reports` scope see and manage all of them. A member a
scheduled report was sent to downloads its file signed in, or through the emailed signed link (no sign-in:
the link is the credential, for 7 days). Everything else is a 404 like a missing object.
"""

from typing import Any

from django.http import Http404, HttpRequest

from apps.accounts.access import is_tenant_admin
from apps.solutions.access import HasSolutionAccess, SolutionRequiredMixin
from apps.surfaces.api import TenantAccess

from .models import GeneratedReport, ReportDefinition, ReportRun, ReportSchedule
from .selectors import definitions_visible, recipients_of, runs_visible, schedules_visible

SOLUTION = "reports"
API_PERMISSIONS = [TenantAccess, HasSolutionAccess]


class ReportsPortalMixin(SolutionRequiredMixin):
    solution_code = SOLUTION


def sees_everything(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_service_principal", False)) or is_tenant_admin(request)


def _who(request: HttpRequest) -> Any:
    return None if sees_everything(request) else request.user.pk


def definitions_for(request: HttpRequest) -> Any:
    return definitions_visible(_who(request))


def schedules_for(request: HttpRequest) -> Any:
    return schedules_visible(_who(request))


def runs_for(request: HttpRequest) -> Any:
    return runs_visible(_who(request))


def _one(rows: Any, pk: Any, what: str) -> Any:
    try:
        found = rows.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise Http404(f"No such {what}.")
    return found


def definition_get_for(request: HttpRequest, pk: Any) -> ReportDefinition:
    return _one(definitions_for(request), pk, "report")  # type: ignore[no-any-return]


def schedule_get_for(request: HttpRequest, pk: Any) -> ReportSchedule:
    return _one(schedules_for(request), pk, "schedule")  # type: ignore[no-any-return]


def run_get_for(request: HttpRequest, pk: Any) -> ReportRun:
    return _one(runs_for(request), pk, "run")  # type: ignore[no-any-return]


def file_get_for(request: HttpRequest, pk: Any) -> GeneratedReport:
    """A generated file the caller may download: theirs to see (admin, the definition's owner, who asked for
    it) or sent to them by a schedule; else the same 404 as a missing one."""
    report = _one(GeneratedReport.objects.select_related("definition", "schedule"), pk, "file")
    user_id = request.user.pk
    if sees_everything(request) or user_id in (report.generated_by_id, getattr(report.definition, "owner_id", None)):
        return report  # type: ignore[no-any-return]
    schedule = report.schedule
    if schedule is not None and (
        schedule.owner_id == user_id or any(u.pk == user_id for u in recipients_of(schedule)[0])
    ):
        return report  # type: ignore[no-any-return]
    raise Http404("No such file.")
