"""Event payloads of workplaces (published with apps.core.events; webhooks send them as-is)."""

from typing import Any

from .models import Geofence, Workplace


def geofence_payload(fence: Geofence | None) -> dict[str, Any] | None:
    if fence is None:
        return None
    if fence.shape == Geofence.Shape.CIRCLE:
        return {"shape": "circle", "center": [fence.center_lat, fence.center_lng], "radius_m": fence.radius_m}
    return {"shape": "polygon", "vertices": fence.vertices}


def workplace_payload(workplace: Workplace) -> dict[str, Any]:
    fence = getattr(workplace, "geofence", None) if workplace.kind == Workplace.Kind.SITE else None
    return {
        "id": workplace.pk,
        "code": workplace.code,
        "kind": workplace.kind,
        "name": workplace.name,
        "parent": workplace.parent.code if workplace.parent_id and workplace.parent else None,
        "time_zone": workplace.time_zone,
        "country": workplace.country,
        "holiday_country": workplace.holiday_country,
        "holiday_subdivision": workplace.holiday_subdivision,
        "is_active": workplace.is_active,
        "geofence": geofence_payload(fence),
    }


def sample_payload() -> dict[str, Any]:
    return {
        "id": 3, "code": "SYD-CBD", "kind": "site", "name": "Sydney CBD Store", "parent": "NSW-METRO",
        "time_zone": "Australia/Sydney", "country": "AU", "holiday_country": "AU", "holiday_subdivision": "NSW",
        "is_active": True, "geofence": {"shape": "circle", "center": [-33.8688, 151.2093], "radius_m": 150},
    }  # fmt: skip
