"""Who may use forms: the plan's `reports` solution, through solution access.

- Tenant admins (and API keys with the `reports` scope) build, publish and archive templates, see every
  submission (not other people's drafts) and review them.
- A person with access fills in the published templates available to them (selectors.templates_available:
  their roles, and the workplaces their roles cover) and sees their own submissions and drafts.
- A manager also sees and reviews their reports' submissions (organisation reporting lines, any depth);
  an approver asked by a workflow sees and decides the submission they are asked about.
Everything else is a 404 like a missing record.
"""

from typing import Any

from django.http import Http404, HttpRequest

from apps.accounts.access import MembershipRefused, is_service_principal, is_tenant_admin
from apps.approvals.selectors import can_act
from apps.solutions.access import HasSolutionAccess, SolutionRequiredMixin
from apps.surfaces.api import TenantAccess

from .models import FormTemplate, Submission, SubmissionStatus
from .selectors import report_user_ids, submission_detail, submissions_visible, templates_available

SOLUTION = "reports"
API_PERMISSIONS = [TenantAccess, HasSolutionAccess]


class FormsPortalMixin(SolutionRequiredMixin):
    solution_code = SOLUTION


def sees_everything(request: HttpRequest) -> bool:
    return is_service_principal(request.user) or is_tenant_admin(request)


def builder_require(request: HttpRequest) -> None:
    if not sees_everything(request):
        raise MembershipRefused("Only the organisation's administrators build and publish forms.",
                                code="admin_required")  # fmt: skip


def person_require(request: HttpRequest) -> None:
    if is_service_principal(request.user):
        raise MembershipRefused("Forms are filled in by people: sign in as one (an API key has none).",
                                code="person_required")  # fmt: skip


def visible(request: HttpRequest) -> Any:
    return submissions_visible(request.user, everyone=sees_everything(request))


def template_get_for(request: HttpRequest, pk: Any, *, to_fill: bool = False) -> FormTemplate:
    """A template the caller may see: admins any; others a published one available to them."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such form.") from None
    if sees_everything(request) and not to_fill:
        rows: Any = FormTemplate.objects.select_related("current_version")
    else:
        rows = templates_available(request.user, everyone=sees_everything(request))
    found = rows.filter(pk=key).first()
    if found is None:
        raise Http404("No such form.")
    return found


def submission_get_for(request: HttpRequest, pk: Any, *, detail: bool = False) -> Submission:
    rows = visible(request)
    if detail:
        found = submission_detail(rows, pk)
    else:
        try:
            found = rows.select_related("template", "version", "workplace").filter(pk=int(pk)).first()
        except (TypeError, ValueError):
            found = None
    if found is None:
        raise Http404("No such submission.")
    return found


def may_review(request: HttpRequest, submission: Submission) -> bool:
    """Admins, the person's managers, or an approver asked now; never the submitter themselves."""
    if submission.status == SubmissionStatus.DRAFT or submission.person_id == getattr(request.user, "pk", None):
        return False
    from .services import approval_of

    approval = approval_of(submission)
    if approval is not None:
        return can_act(request.user, approval)
    return sees_everything(request) or submission.person_id in set(report_user_ids(request.user))


def reviewer_require(request: HttpRequest, submission: Submission) -> None:
    if not may_review(request, submission):
        raise MembershipRefused("You do not review this submission (or it is your own).", code="reviewer_required")
