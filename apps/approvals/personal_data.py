"""apps.approvals's part of a person's GDPR export (hook "gdpr.person_export", declared in contributions.py;
apps.gdpr.export asks it inside each tenant schema the person belongs to and strips secret columns).

`person_export(user)` returns {section: queryset}: one query per section, no per-row query.
"""

from typing import Any

from .models import ApprovalAssignment, ApprovalEvent, ApprovalRequest, Delegation


def person_export(user: Any) -> dict[str, Any]:
    """Requests the person made, approvals asked of them, what they did, their delegations."""
    me = user.pk
    return {
        "requests_made": ApprovalRequest.objects.filter(requester_id=me),
        "approvals_asked": ApprovalAssignment.objects.filter(approver_id=me),
        "actions": ApprovalEvent.objects.filter(actor_id=me),
        "delegations_given": Delegation.objects.filter(delegator_id=me),
        "delegations_received": Delegation.objects.filter(delegate_id=me),
    }
