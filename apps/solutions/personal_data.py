"""apps.solutions's part of a person's GDPR export (hook "gdpr.person_export", declared in contributions.py;
apps.gdpr.export asks it inside each tenant schema the person belongs to and strips secret columns).

`person_export(user)` returns {section: queryset}: one query per section, no per-row query.
"""

from typing import Any

from .models import SolutionAccess


def person_export(user: Any) -> dict[str, Any]:
    """Which of the organisation's solutions the person may use."""
    me = user.pk
    return {
        "solution_access": SolutionAccess.objects.filter(user_id=me),
    }
