"""Demo workplaces for Acme (called by seed_demo): New South Wales → Sydney Metro → two stores with
circle geofences around their real coordinates, public holidays AU/NSW. Idempotent: rows are found
by their stable codes and only missing ones are created (what people changed since is kept)."""

from typing import Any

from django.db import transaction
from django_tenants.utils import tenant_context

from apps.tenancy.models import Tenant

from .models import Geofence, Workplace
from .services import geofence_set, workplace_create

AU_NSW = {"country": "AU", "time_zone": "Australia/Sydney", "holiday_country": "AU", "holiday_subdivision": "NSW",
          "state": "NSW"}  # fmt: skip
# (code, kind, name, parent code, extra fields, circle (lat, lng, radius m) or None)
DEMO_WORKPLACES: list[tuple[str, str, str, str | None, dict[str, Any], tuple[float, float, int] | None]] = [
    ("NSW", "region", "New South Wales", None, AU_NSW, None),
    ("SYD-METRO", "area", "Sydney Metro", "NSW", AU_NSW, None),
    ("SYD-CBD", "site", "Sydney CBD Store", "SYD-METRO",
     {**AU_NSW, "address_line1": "500 George Street", "city": "Sydney", "postcode": "2000"},
     (-33.8731, 151.2065, 150)),
    ("PARRAMATTA", "site", "Parramatta Store", "SYD-METRO",
     {**AU_NSW, "address_line1": "159-175 Church Street", "city": "Parramatta", "postcode": "2150"},
     (-33.8173, 151.0034, 200)),
]  # fmt: skip


@transaction.atomic
def workplaces_demo_seed(*, acting_user: Any = None) -> int:
    """In the current tenant's schema; returns how many workplaces were created."""
    created = 0
    for code, kind, name, parent_code, fields, circle in DEMO_WORKPLACES:
        workplace = Workplace.objects.filter(code=code).first()
        if workplace is None:
            parent = Workplace.objects.get(code=parent_code) if parent_code else None
            workplace = workplace_create(kind=kind, code=code, name=name, parent=parent, acting_user=acting_user,
                                         **fields)  # fmt: skip
            created += 1
        if circle and not Geofence.objects.filter(site=workplace).exists():
            lat, lng, radius = circle
            geofence_set(site=workplace, shape="circle", center_lat=lat, center_lng=lng, radius_m=radius,
                         acting_user=acting_user)  # fmt: skip
    return created


def demo_seed(*, stdout: Any = None) -> None:
    acme = Tenant.objects.filter(slug="acme").first()
    if acme is None:
        return
    with tenant_context(acme):
        created = workplaces_demo_seed()
    if stdout is not None and created:
        stdout.write(f"  Workplaces:   Acme: {created} workplaces (NSW → Sydney Metro → 2 stores with geofences)\n")
