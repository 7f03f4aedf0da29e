"""apps.rosters's part of a person's GDPR export (hook "gdpr.person_export", declared in contributions.py;
apps.gdpr.export asks it inside each tenant schema the person belongs to and strips secret columns).

`person_export(user)` returns {section: queryset}: one query per section, no per-row query.
"""

from typing import Any

from .models import CalendarFeed, Shift


def person_export(user: Any) -> dict[str, Any]:
    """Rostered shifts and the personal calendar feed (its secret token left out)."""
    me = user.pk
    return {
        "shifts": Shift.objects.filter(user_id=me),
        "calendar_feed": CalendarFeed.objects.filter(user_id=me).values("id", "created_at", "rotated_at"),
    }
