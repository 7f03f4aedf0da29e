"""apps.access's part of a person's GDPR export (hook "gdpr.person_export", declared in contributions.py;
apps.gdpr.export asks it inside each tenant schema the person belongs to and strips secret columns).

`person_export(user)` returns {section: queryset}: one query per section, no per-row query.
"""

from typing import Any

from .models import AccessGrant, RoleAssignment


def person_export(user: Any) -> dict[str, Any]:
    """Roles given to the person and the grants computed from them."""
    me = user.pk
    return {
        "role_assignments": RoleAssignment.objects.filter(user_id=me),
        "access_grants": AccessGrant.objects.filter(user_id=me),
    }
