"""apps.timesheets's part of a person's GDPR export (hook "gdpr.person_export", declared in contributions.py;
apps.gdpr.export asks it inside each tenant schema the person belongs to and strips secret columns).

`person_export(user)` returns {section: queryset}: one query per section, no per-row query.
"""

from typing import Any

from .models import TimeEntry


def person_export(user: Any) -> dict[str, Any]:
    """The person's time entries."""
    me = user.pk
    return {
        "time_entries": TimeEntry.objects.filter(user_id=me),
    }
