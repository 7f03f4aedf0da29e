"""apps.routines's part of a person's GDPR export (hook "gdpr.person_export", declared in contributions.py;
apps.gdpr.export asks it inside each tenant schema the person belongs to and strips secret columns).

`person_export(user)` returns {section: queryset}: one query per section, no per-row query.
"""

from typing import Any

from .models import RoutineTask


def person_export(user: Any) -> dict[str, Any]:
    """Routine steps that assign tasks to the person."""
    me = user.pk
    return {
        "routine_tasks_assigned": RoutineTask.objects.filter(assignee_id=me),
    }
