"""Who may use incidents: the plan's `workplaces` solution, through solution access.

Any person with access reports incidents and sees the ones they reported or investigate; tenant admins
(the organisation's safety people) and API keys with the `operations` scope see and manage all of them.
The investigator records the investigation of theirs. Everything else is a 404 like a missing incident.
"""

from typing import Any

from django.http import Http404, HttpRequest

from apps.accounts.access import MembershipRefused, is_tenant_admin
from apps.solutions.access import HasSolutionAccess, SolutionRequiredMixin
from apps.surfaces.api import TenantAccess

from .models import Incident, IncidentAttachment
from .selectors import incident_detail, incidents_visible

SOLUTION = "workplaces"
API_PERMISSIONS = [TenantAccess, HasSolutionAccess]


class IncidentsPortalMixin(SolutionRequiredMixin):
    solution_code = SOLUTION


def is_service(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_service_principal", False))


def sees_everything(request: HttpRequest) -> bool:
    return is_service(request) or is_tenant_admin(request)


def visible(request: HttpRequest) -> Any:
    return incidents_visible(user_id=None if sees_everything(request) else request.user.pk)


def incident_get_for(request: HttpRequest, pk: Any, *, detail: bool = False) -> Incident:
    """An incident the caller may see, else the same 404 as a missing one."""
    found = incident_detail(visible(request), pk) if detail else _plain(request, pk)
    if found is None:
        raise Http404("No such incident.")
    return found


def _plain(request: HttpRequest, pk: Any) -> Incident | None:
    try:
        return visible(request).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def attachment_get_for(request: HttpRequest, pk: Any, attachment_pk: Any) -> IncidentAttachment:
    incident = incident_get_for(request, pk)
    try:
        found = IncidentAttachment.objects.filter(incident=incident, pk=int(attachment_pk)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise Http404("No such attachment.")
    return found


def manager_require(request: HttpRequest) -> None:
    """Status, actions, people and the regulator: the safety people (tenant admins) and API keys."""
    if not sees_everything(request):
        raise MembershipRefused("Only the organisation's administrators manage incidents.", code="admin_required")


def investigator_require(request: HttpRequest, incident: Incident) -> None:
    if sees_everything(request) or (incident.investigator_id and incident.investigator_id == request.user.pk):
        return
    raise MembershipRefused("Only the investigator or an administrator records the investigation.",
                            code="admin_required")  # fmt: skip


def reporter_or_manager_require(request: HttpRequest, incident: Incident) -> None:
    """Photos: the reporter adds to their own report; the safety people to any."""
    if sees_everything(request) or incident.reported_by_id == request.user.pk:
        return
    raise MembershipRefused("Only the reporter or an administrator adds photos.", code="admin_required")
