"""Demo assets for Acme (called by seed_demo, after the workplaces' demo): two fridges at each store and
a forklift with an hour meter at Parramatta; a monthly "FRIDGE-SERVICE" plan for the fridges of the
Sydney CBD Store (its next work orders show on their pages) and a forklift service every 250 hours.
Idempotent: rows are found by stable names and only missing ones are made."""

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.core.recurrence import zone
from apps.tasks.models import TaskTemplate, TemplateChecklistItem
from apps.tenancy.models import Tenant
from apps.workplaces.models import Workplace

from .models import Asset, AssetCategory, MaintenancePlan, MeterReading
from .services import asset_create, category_create, plan_create, reading_record

CATEGORIES = [("FRIDGE", "Refrigeration"), ("FORKLIFT", "Forklifts")]
# (name, category, site, serial, meter unit)
ASSETS = [
    ("Dairy fridge 1", "FRIDGE", "SYD-CBD", "FR-10021", ""),
    ("Dairy fridge 2", "FRIDGE", "SYD-CBD", "FR-10022", ""),
    ("Drinks fridge", "FRIDGE", "PARRAMATTA", "FR-20011", ""),
    ("Forklift", "FORKLIFT", "PARRAMATTA", "FL-7781", "hours"),
]
TEMPLATES = {
    "FRIDGE-SERVICE": ("Fridge service", 60, ["Check door seals", "Clean condenser coils", "Log temperature"]),
    "FORKLIFT-SERVICE": ("Forklift service", 120, ["Check hydraulics", "Check brakes", "Charge and test battery"]),
}


def _template(code: str) -> TaskTemplate:
    name, minutes, items = TEMPLATES[code]
    template, made = TaskTemplate.objects.get_or_create(code=code, defaults={"name": name,
                                                                            "estimated_minutes": minutes})  # fmt: skip
    if made:
        TemplateChecklistItem.objects.bulk_create(
            [
                TemplateChecklistItem(template=template, position=i, text=text, is_required=True)
                for i, text in enumerate(items, start=1)
            ]
        )
    return template


@transaction.atomic
def assets_demo_seed(*, acting_user: Any = None) -> int:
    """In the current tenant's schema (after the workplaces' demo); returns how many assets were made."""
    sites = {site.code: site for site in Workplace.objects.filter(code__in=["SYD-CBD", "PARRAMATTA"])}
    if len(sites) < 2:
        return 0
    for code, name in CATEGORIES:
        if not AssetCategory.objects.filter(code=code).exists():
            category_create(code=code, name=name, acting_user=acting_user)
    categories = {c.code: c for c in AssetCategory.objects.all()}
    made = 0
    for name, category, site, serial, unit in ASSETS:
        if not Asset.objects.filter(serial_number=serial).exists():
            asset_create(name=name, category=categories[category], site=sites[site], serial_number=serial,
                         meter_unit=unit, purchase_date=datetime.date(2024, 3, 1),
                         warranty_until=datetime.date(2027, 3, 1), acting_user=acting_user)  # fmt: skip
            made += 1
    _plans(sites, categories, acting_user)
    return made


def _plans(sites: dict[str, Workplace], categories: dict[str, AssetCategory], acting_user: Any) -> None:
    if not MaintenancePlan.objects.filter(name="Monthly fridge service").exists():
        tz = zone(sites["SYD-CBD"].time_zone)
        tomorrow = timezone.now().astimezone(tz).date() + datetime.timedelta(days=1)
        plan_create(name="Monthly fridge service", template=_template("FRIDGE-SERVICE"), kind="time",
                    category=categories["FRIDGE"], site=sites["SYD-CBD"], rrule="FREQ=MONTHLY;COUNT=24",
                    starts_at=datetime.datetime.combine(tomorrow, datetime.time(7, 0), tz), lead_days=14,
                    acting_user=acting_user)  # fmt: skip
    forklift = Asset.objects.filter(serial_number="FL-7781").first()
    if forklift is not None and not MaintenancePlan.objects.filter(name="Forklift 250-hour service").exists():
        if not MeterReading.objects.filter(asset=forklift).exists():
            reading_record(asset=forklift, value=Decimal("1180"), acting_user=acting_user,
                           read_at=timezone.now() - datetime.timedelta(days=1))  # fmt: skip
        plan_create(name="Forklift 250-hour service", template=_template("FORKLIFT-SERVICE"), kind="meter",
                    asset=forklift, meter_interval=Decimal("250"), acting_user=acting_user)  # fmt: skip


def demo_seed(*, stdout: Any = None) -> None:
    acme = Tenant.objects.filter(slug="acme").first()
    if acme is None:
        return
    with tenant_context(acme):
        made = assets_demo_seed()
    if stdout is not None and made:
        stdout.write(f"  Assets:       Acme: {made} assets (fridges, a forklift with a meter), a monthly fridge "
                     "service and a 250-hour forklift service\n")  # fmt: skip
