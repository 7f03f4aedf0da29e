"""apps.reporting's part of a person's GDPR export (hook "gdpr.person_export", declared in contributions.py;
apps.gdpr.export asks it inside each tenant schema the person belongs to and strips secret columns).

`person_export(user)` returns {section: queryset}: one query per section, no per-row query.
"""

from typing import Any

from .models import ReportDefinition, ReportSchedule


def person_export(user: Any) -> dict[str, Any]:
    """Report definitions and schedules the person owns."""
    me = user.pk
    return {
        "report_definitions": ReportDefinition.objects.filter(owner_id=me),
        "report_schedules": ReportSchedule.objects.filter(owner_id=me),
    }
