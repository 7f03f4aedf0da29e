"""The access-request kind of approval (ApprovalKind "access.request", apps/accessrequests/contributions.py):
what a workflow condition may test, the inbox summary, the editor's sample, and the outcome callback."""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from .models import AccessRequest
from .selectors import approval_decision, solution_names
from .services import access_request_decide


def subject_fields(access_request: AccessRequest) -> dict[str, Any]:
    """The values a workflow condition may test (the kind's `fields`)."""
    return {
        "kind": access_request.kind,
        "role": access_request.role.code if access_request.role is not None else "",
        "entity": access_request.entity.code if access_request.entity is not None else "",
        "solution": access_request.solution_code,
    }


def describe(access_request: AccessRequest) -> str:
    if access_request.solution_code:
        name = solution_names({access_request.solution_code}).get(access_request.solution_code)
        what = f"the {name or access_request.solution_code} solution"
    else:
        what = access_request.target_label
    requester = access_request.requester
    return f"{requester.full_name or requester.email} asks for {what}"[:255]  # "Mia Manager asks for …"


def sample() -> dict[str, Any]:
    """The workflow editor's preview: a role request for the manager role."""
    return {"kind": "role", "role": "manager", "entity": "", "solution": ""}


def on_decision(request: Any, outcome: str) -> None:
    """Told the final outcome inside the deciding transaction: approved → the role assignment (or
    the solution grant) in the deciding approver's name; rejected → the reason is kept; cancelled →
    the request is closed. A second call for the same request changes nothing."""
    try:
        access_request = AccessRequest.objects.get(pk=request.subject_id)
    except (ObjectDoesNotExist, ValueError) as exc:
        raise ObjectDoesNotExist(f"The access request {request.subject_id} of this approval is gone.") from exc
    actor, reason = approval_decision(request, outcome)
    access_request_decide(access_request=access_request, outcome=outcome, acting_user=actor, reason=reason)
