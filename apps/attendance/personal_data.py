"""apps.attendance's part of a person's GDPR export (hook "gdpr.person_export", declared in contributions.py;
apps.gdpr.export asks it inside each tenant schema the person belongs to and strips secret columns).

`person_export(user)` returns {section: queryset}: one query per section, no per-row query.
"""

from typing import Any

from .models import AttendanceCorrection, AttendanceRecord, LateNotice, OvertimeRecord


def person_export(user: Any) -> dict[str, Any]:
    """Daily attendance records, late notices, corrections and overtime."""
    me = user.pk
    return {
        "records": AttendanceRecord.objects.filter(user_id=me),
        "late_notices": LateNotice.objects.filter(user_id=me),
        "corrections": AttendanceCorrection.objects.filter(user_id=me),
        "overtime": OvertimeRecord.objects.filter(user_id=me),
    }
