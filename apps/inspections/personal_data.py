"""apps.inspections's part of a person's GDPR export (hook "gdpr.person_export", declared in contributions.py;
apps.gdpr.export asks it inside each tenant schema the person belongs to and strips secret columns).

`person_export(user)` returns {section: queryset}: one query per section, no per-row query.
"""

from typing import Any

from .models import Answer, Evidence, Inspection, InspectionSchedule


def person_export(user: Any) -> dict[str, Any]:
    """Inspections assigned to or submitted by the person, their answers and evidence, schedules naming them."""
    me = user.pk
    return {
        "inspections_assigned": Inspection.objects.filter(assignee_id=me),
        "inspections_submitted": Inspection.objects.filter(submitted_by_id=me),
        "answers_submitted": Answer.objects.filter(inspection__submitted_by_id=me),
        "evidence_uploaded": Evidence.objects.filter(uploaded_by_id=me),
        "schedules_assigned": InspectionSchedule.objects.filter(assignee_id=me),
    }
