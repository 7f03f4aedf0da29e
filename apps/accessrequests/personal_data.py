"""apps.accessrequests's part of a person's GDPR export (hook "gdpr.person_export", declared in contributions.py;
apps.gdpr.export asks it inside each tenant schema the person belongs to and strips secret columns).

`person_export(user)` returns {section: queryset}: one query per section, no per-row query.
"""

from typing import Any

from .models import AccessRequest


def person_export(user: Any) -> dict[str, Any]:
    """Access the person asked for."""
    me = user.pk
    return {
        "access_requests": AccessRequest.objects.filter(requester_id=me),
    }
