"""Who may read form analytics: the plan's `reports` solution, through solution access (tenant admins reach
every solution of the plan), then by what they manage:

- tenant admins and API keys (with `reports:read`) read every workplace and person;
- a manager reads the workplaces their roles reach with `formstats.view_analytics` (a role assignment scoped
  to an entity subtree covers the workplaces of that subtree; one scoped to a workplace covers it);
- everyone else with access reads their own submissions only.

`analytics_scope(request)` answers once per request; the selectors apply it. A template is read by id like
a missing one when it does not exist (templates are not secret inside the tenant; the numbers are scoped).
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import StrIndex
from django.http import Http404, HttpRequest

from apps.access.models import Role
from apps.access.selectors import assignments_of_user
from apps.accounts.access import is_service_principal, is_tenant_admin
from apps.forms.models import FormTemplate
from apps.solutions.access import HasSolutionAccess, SolutionRequiredMixin
from apps.surfaces.api import TenantAccess
from apps.workplaces.models import Workplace

SOLUTION = "reports"
VIEW_ANALYTICS = "formstats.view_analytics"
API_PERMISSIONS = [TenantAccess, HasSolutionAccess]


class AnalyticsPortalMixin(SolutionRequiredMixin):
    solution_code = SOLUTION


@dataclass(frozen=True)
class Scope:
    """What a caller may read: `workplace_ids` None = every workplace; `person_id` set = only that person's."""

    workplace_ids: frozenset[int] | None = None
    person_id: Any = None

    @property
    def everything(self) -> bool:
        return self.workplace_ids is None and self.person_id is None

    @property
    def manager(self) -> bool:
        return self.workplace_ids is not None


def _carrying_roles() -> Any:
    """Roles that carry the right themselves or through an ancestor (a carrier's path prefixes theirs)."""
    carriers = Role.objects.filter(permissions__contains=[{"permission": VIEW_ANALYTICS}])
    return Role.objects.filter(Exists(carriers.annotate(at=StrIndex(OuterRef("path"), F("path"))).filter(at=1)))


def managed_workplace_ids(user: Any) -> frozenset[int]:
    """The workplaces whose analytics `user` reads as a manager (two queries)."""
    workplace_type = ContentType.objects.get_for_model(Workplace).pk
    reach = Q(pk__in=[])
    rows = assignments_of_user(user).filter(role__in=_carrying_roles())
    for entity_path, content_type, object_id in rows.values_list(
        "scope_entity__path", "scope_content_type_id", "scope_object_id"
    ):
        if entity_path:
            reach |= Q(entity__path__startswith=entity_path)
        elif content_type == workplace_type and str(object_id).isdigit():
            reach |= Q(pk=int(object_id))
    if reach == Q(pk__in=[]):
        return frozenset()
    return frozenset(Workplace.objects.filter(reach).values_list("pk", flat=True))


def analytics_scope(request: HttpRequest) -> Scope:
    raw: Any = getattr(request, "_request", request)
    if not hasattr(raw, "_formstats_scope"):
        if is_service_principal(request.user) or is_tenant_admin(request):
            raw._formstats_scope = Scope()
        else:
            managed = managed_workplace_ids(request.user)
            raw._formstats_scope = Scope(workplace_ids=managed) if managed else Scope(person_id=request.user.pk)
    return raw._formstats_scope  # type: ignore[no-any-return]


def template_get(pk: Any) -> FormTemplate:
    """A template by id (published or archived: drafts have no submissions); else 404."""
    try:
        found = FormTemplate.objects.filter(pk=int(pk), current_version__isnull=False).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise Http404("No such form.")
    return found
