"""apps.leave's part of a person's GDPR export (hook "gdpr.person_export", declared in contributions.py;
apps.gdpr.export asks it inside each tenant schema the person belongs to and strips secret columns).

`person_export(user)` returns {section: queryset}: one query per section, no per-row query.
"""

from typing import Any

from .models import LeaveLedgerEntry, LeavePolicyAssignment, LeaveRequest


def person_export(user: Any) -> dict[str, Any]:
    """Leave requests, the balance ledger and the policies that apply to the person."""
    me = user.pk
    return {
        "leave_requests": LeaveRequest.objects.filter(user_id=me),
        "balance_ledger": LeaveLedgerEntry.objects.filter(user_id=me),
        "policies": LeavePolicyAssignment.objects.filter(user_id=me),
    }
