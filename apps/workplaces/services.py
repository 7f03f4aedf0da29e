"""Writes on workplaces, in the tenant's schema: each takes `acting_user`, validates with clear
messages (a Django ValidationError with a code per field), saves with history, audits, and publishes
`workplace.created` / `workplace.updated` after commit, all in one transaction."""

import zoneinfo
from functools import lru_cache
from typing import Any

import pycountry
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.audit import writes
from apps.audit.services import audit_record
from apps.core.events import publish
from apps.tenancy.context import connection_tenant

from .models import Department, Geofence, Workplace, WorkplaceKind
from .payloads import workplace_payload
from .public_holidays import holiday_region_problem, supported

WORKPLACE_FIELDS = (
    "name", "parent", "address_line1", "address_line2", "city", "postcode", "state", "country", "time_zone",
    "holiday_country", "holiday_subdivision", "entity", "is_active",
)  # fmt: skip
WORKPLACE_AUDITED = writes.Fields("kind", "code", *WORKPLACE_FIELDS)
DEPARTMENT_AUDITED = writes.Fields("code", "name", "entity", "is_active", site="site.code")
GEOFENCE_AUDITED = writes.Fields("shape", "center_lat", "center_lng", "radius_m", "vertices", site="site.code")


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _fields_check(workplace: Workplace) -> None:
    if workplace.time_zone not in time_zones():
        raise _error("time_zone", f"“{workplace.time_zone}” is not an IANA time zone (e.g. Australia/Sydney).",
                     "invalid_time_zone")  # fmt: skip
    if workplace.country and pycountry.countries.get(alpha_2=workplace.country) is None:
        raise _error("country", f"“{workplace.country}” is not an ISO 3166 country code.", "invalid_country")
    problem = holiday_region_problem(workplace.holiday_country, workplace.holiday_subdivision)
    if problem:
        field = "holiday_subdivision" if workplace.holiday_country in supported() else "holiday_country"
        raise _error(field, problem, "invalid_holiday_region")


def _normalise(fields: dict[str, Any]) -> dict[str, Any]:
    for name in ("code", "country", "holiday_country"):
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip().upper()
    for name in ("name", "address_line1", "address_line2", "city", "postcode", "state", "time_zone",
                 "holiday_subdivision"):  # fmt: skip
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip()
    return fields


def _parent_check(workplace: Workplace) -> None:
    parent = workplace.parent if workplace.parent_id else None
    if parent is not None and not parent.is_active and workplace.is_active:
        raise _error("parent", f"{parent} is inactive; choose an active parent.", "parent_inactive")


def _code_check(code: str) -> None:
    if Workplace.objects.filter(code=code).exists():
        raise _error("code", f"Another workplace has the code {code}.", "code_taken")


@transaction.atomic
def workplace_create(*, kind: str, code: str, name: str, acting_user: Any, **fields: Any) -> Workplace:
    """A region, area or site. `fields`: any of WORKPLACE_FIELDS; the holiday country defaults to the
    address country when the library knows it."""
    unknown = set(fields) - set(WORKPLACE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown workplace fields: {sorted(unknown)}")
    fields = _normalise({"code": code, "name": name, **fields})
    if not fields.get("holiday_country") and fields.get("country") in supported():
        fields["holiday_country"] = fields["country"]
    if kind not in WorkplaceKind.values:
        raise _error("kind", f"The kind must be one of {', '.join(WorkplaceKind.values)}.", "invalid_kind")
    _code_check(fields["code"])
    workplace = Workplace(kind=kind, **fields)
    _fields_check(workplace)
    _parent_check(workplace)
    writes.save_audited(workplace, action="workplaces.workplace_created", acting_user=acting_user,
                        tenant=connection_tenant(), fields=WORKPLACE_AUDITED, before=None)  # fmt: skip
    publish("workplace.created", workplace_payload(workplace), tenant=connection_tenant())
    return workplace


@transaction.atomic
def workplace_update(*, workplace: Workplace, acting_user: Any, **changes: Any) -> Workplace:
    """Change fields of WORKPLACE_FIELDS (the kind and the code stay). Deactivating goes through
    `workplace_deactivate`, which checks what is below."""
    unknown = set(changes) - set(WORKPLACE_FIELDS)
    if unknown:
        raise _error("__all__", f"These fields cannot be changed: {', '.join(sorted(unknown))}.", "read_only")
    if changes.get("is_active") is False and workplace.is_active:
        return workplace_deactivate(workplace=workplace, acting_user=acting_user)
    changes = _normalise(changes)
    tenant = connection_tenant()
    row = writes.locked(workplace, "parent", "entity")
    fields = [name for name, value in changes.items() if getattr(row, name) != value]
    if not fields:
        return row
    with writes.audited(row, action="workplaces.workplace_updated", acting_user=acting_user, tenant=tenant,
                        fields=WORKPLACE_AUDITED):  # fmt: skip
        for name, value in changes.items():
            setattr(row, name, value)
        _fields_check(row)
        _parent_check(row)
    publish("workplace.updated", workplace_payload(row), tenant=tenant)
    return row


@transaction.atomic
def workplace_deactivate(*, workplace: Workplace, acting_user: Any) -> Workplace:
    """Inactive workplaces stay (history, past attendance) but take no new people or punches."""
    row = writes.locked(workplace, "parent")
    if not row.is_active:
        raise _error("__all__", f"{row} is already inactive.", "already_inactive")
    if Workplace.objects.under(row).active().exists():
        raise _error("__all__", f"{row} has active workplaces below it; deactivate them first.", "has_active_children")
    tenant = connection_tenant()
    writes.update(row, changes={"is_active": False}, action="workplaces.workplace_deactivated",
                  acting_user=acting_user, tenant=tenant, fields=WORKPLACE_AUDITED)  # fmt: skip
    publish("workplace.updated", workplace_payload(row), tenant=tenant)
    return row


def _site_check(site: Workplace) -> None:
    if site.kind != WorkplaceKind.SITE:
        raise _error("site", f"{site} is {'an' if site.kind == 'area' else 'a'} {site.kind}; only sites have "
                     "geofences and departments.", "not_a_site")  # fmt: skip


@transaction.atomic
def geofence_set(
    *,
    site: Workplace,
    shape: str,
    acting_user: Any,
    center_lat: float | None = None,
    center_lng: float | None = None,
    radius_m: int | None = None,
    vertices: list[list[float]] | None = None,
) -> Geofence:
    """Give the site a circle (centre and radius) or a polygon (vertices) fence, replacing its fence."""
    _site_check(site)
    if shape not in Geofence.Shape.values:
        raise _error("shape", "The shape must be “circle” or “polygon”.", "invalid_shape")
    if shape == Geofence.Shape.CIRCLE:
        missing = [n for n, v in (("center_lat", center_lat), ("center_lng", center_lng), ("radius_m", radius_m))
                   if v is None]  # fmt: skip
        if missing:
            raise _error(
                missing[0], "A circle needs a centre (latitude, longitude) and a radius in metres.", "required"
            )
        vertices = None
    else:
        if not vertices:
            raise _error("vertices", "A polygon needs its vertices.", "required")
        center_lat = center_lng = radius_m = None
    site = writes.locked(site)
    fence = Geofence.objects.filter(site=site).first()
    before = writes.snapshot(fence, GEOFENCE_AUDITED) if fence else None
    fence = fence or Geofence(site=site)
    fence.shape, fence.center_lat, fence.center_lng = shape, center_lat, center_lng
    fence.radius_m, fence.vertices = radius_m, vertices
    writes.save_audited(fence, action="workplaces.geofence_set", acting_user=acting_user, tenant=connection_tenant(),
                        fields=GEOFENCE_AUDITED, before=before)  # fmt: skip
    site.geofence = fence
    publish("workplace.updated", workplace_payload(site), tenant=connection_tenant())
    return fence


@transaction.atomic
def geofence_clear(*, site: Workplace, acting_user: Any) -> None:
    fence = Geofence.objects.filter(site=site).select_related("site").first()
    if fence is None:
        return
    before = writes.snapshot(fence, GEOFENCE_AUDITED)
    fence._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    fence.delete()
    audit_record(action="workplaces.geofence_cleared", acting_user=acting_user, tenant=connection_tenant(),
                        target=site, before=before, after=None)  # fmt: skip
    site = Workplace.objects.select_related("parent").get(pk=site.pk)
    publish("workplace.updated", workplace_payload(site), tenant=connection_tenant())


@transaction.atomic
def department_create(*, site: Workplace, code: str, name: str, acting_user: Any, entity: Any = None) -> Department:
    _site_check(site)
    code = code.strip().upper()
    if Department.objects.filter(site=site, code=code).exists():
        raise _error("code", f"{site.name} already has a department with the code {code}.", "code_taken")
    department = Department(site=site, code=code, name=name.strip(), entity=entity)
    return writes.save_audited(department, action="workplaces.department_created", acting_user=acting_user,
                               tenant=connection_tenant(), fields=DEPARTMENT_AUDITED, before=None)  # fmt: skip


@transaction.atomic
def department_update(*, department: Department, acting_user: Any, **changes: Any) -> Department:
    """Change the name, code, entity or is_active of a department (it stays at its site)."""
    unknown = set(changes) - {"code", "name", "entity", "is_active"}
    if unknown:
        raise _error("__all__", f"These fields cannot be changed: {', '.join(sorted(unknown))}.", "read_only")
    if isinstance(changes.get("code"), str):
        changes["code"] = changes["code"].strip().upper()
        taken = Department.objects.filter(site_id=department.site_id, code=changes["code"]).exclude(pk=department.pk)
        if taken.exists():
            raise _error("code", f"This site already has a department with the code {changes['code']}.", "code_taken")
    return writes.update(department, changes=changes, action="workplaces.department_updated",
                         acting_user=acting_user, tenant=connection_tenant(), lock=True, related=("site",))  # fmt: skip
