"""apps.incidents's part of a person's GDPR export (hook "gdpr.person_export", declared in contributions.py;
apps.gdpr.export asks it inside each tenant schema the person belongs to and strips secret columns).

`person_export(user)` returns {section: queryset}: one query per section, no per-row query.
"""

from typing import Any

from .models import Incident, IncidentAttachment, IncidentPerson


def person_export(user: Any) -> dict[str, Any]:
    """Incidents the person reported or investigates, where they are named, and what they uploaded."""
    me = user.pk
    return {
        "incidents_reported": Incident.objects.filter(reported_by_id=me),
        "incidents_investigated": Incident.objects.filter(investigator_id=me),
        "named_in_incidents": IncidentPerson.objects.filter(user_id=me),
        "attachments_uploaded": IncidentAttachment.objects.filter(uploaded_by_id=me),
    }
