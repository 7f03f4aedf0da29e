"""apps.timeclock's part of a person's GDPR export (hook "gdpr.person_export", declared in contributions.py;
apps.gdpr.export asks it inside each tenant schema the person belongs to and strips secret columns).

`person_export(user)` returns {section: queryset}: one query per section, no per-row query.
"""

from typing import Any

from .models import MissingPunch, Punch


def person_export(user: Any) -> dict[str, Any]:
    """Clock punches (with their positions) and missing-punch notices."""
    me = user.pk
    return {
        "punches": Punch.objects.filter(user_id=me),
        "missing_punches": MissingPunch.objects.filter(user_id=me),
    }
