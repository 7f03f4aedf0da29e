"""apps.assets's part of a person's GDPR export (hook "gdpr.person_export", declared in contributions.py;
apps.gdpr.export asks it inside each tenant schema the person belongs to and strips secret columns).

`person_export(user)` returns {section: queryset}: one query per section, no per-row query.
"""

from typing import Any

from .models import Asset, MeterReading


def person_export(user: Any) -> dict[str, Any]:
    """Assets in the person's custody and meter readings they recorded."""
    me = user.pk
    return {
        "assets_in_custody": Asset.objects.filter(custodian_id=me),
        "meter_readings_recorded": MeterReading.objects.filter(recorded_by_id=me),
    }
