"""apps.formstats's part of a person's GDPR export (hook "gdpr.person_export", declared in contributions.py;
apps.gdpr.export asks it inside each tenant schema the person belongs to and strips secret columns).

`person_export(user)` returns {section: queryset}: one query per section, no per-row query.
"""

from typing import Any

from .models import FieldPersonDayRollup, SubmissionDayRollup


def person_export(user: Any) -> dict[str, Any]:
    """Per-person daily statistics derived from the person's submissions."""
    me = user.pk
    return {
        "submissions_per_day": SubmissionDayRollup.objects.filter(person_id=me),
        "field_values_per_day": FieldPersonDayRollup.objects.filter(person_id=me),
    }
