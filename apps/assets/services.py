"""Writes on assets and maintenance, in the tenant's schema. Each takes `acting_user`, refuses bad input
with a coded ValidationError on the field, keeps history, and publishes its event after commit.

Work orders are made exactly once per (plan, asset, due occurrence): the maker locks the plan's row
(`select_for_update`), reads which occurrences already have their work order, and creates the rest;
the unique constraint `assets_work_order_once` stands behind it. So two beat runs at once, or a beat
run and a meter reading, never make the same work order twice.
"""

import datetime
import secrets
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import Membership
from apps.audit.writes import history_user
from apps.core.errors import refused
from apps.core.events import publish
from apps.core.recurrence import occurrence_key, occurrences_between, rule_parse, zone
from apps.tasks.models import AssigneeKind, TaskTemplate
from apps.tasks.services import task_create_from_template
from apps.tenancy.context import connection_tenant
from apps.workplaces.models import Department, Workplace, WorkplaceKind

from .models import (
    LABEL_ALPHABET,
    LABEL_LENGTH,
    Asset,
    AssetCategory,
    AssetStatus,
    MaintenancePlan,
    MeterReading,
    PlanKind,
    WorkOrder,
)
from .payloads import asset_payload, work_order_payload

ORIGIN_KIND = "assets.maintenance"
ASSET_FIELDS = ("name", "category", "serial_number", "status", "purchase_date", "warranty_until", "custodian",
                "site", "department", "meter_unit", "notes")  # fmt: skip
MAX_AHEAD = 200  # occurrences one plan may make in one run (a daily rule over a long lead stays bounded)


def _as_actor(instance: Any, acting_user: Any) -> None:
    instance._history_user = history_user(acting_user)


# --- categories and assets -----------------------------------------------------------------------------


@transaction.atomic
def category_create(*, code: str, name: str, acting_user: Any, description: str = "") -> AssetCategory:
    code = (code or "").strip().upper()
    if AssetCategory.objects.filter(code=code).exists():
        raise refused(f"Another category has the code {code}.", code="code_taken", field="code")
    category = AssetCategory(code=code, name=(name or "").strip(), description=description)
    category.full_clean()
    _as_actor(category, acting_user)
    category.save()
    return category


def _label_code() -> str:
    return "".join(secrets.choice(LABEL_ALPHABET) for _ in range(LABEL_LENGTH))


def _next_asset_id() -> int:
    # The code is the row's own id ("AST-000123"): per tenant schema, never reused, no shared counter.
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Asset._meta.db_table])
        return int(cursor.fetchone()[0])


def _asset_check(asset: Asset) -> None:
    site: Workplace = asset.site
    if site.kind != WorkplaceKind.SITE:
        raise refused(f"{site} is not a site; assets are located at sites.", code="not_a_site", field="site")
    if not site.is_active and asset.status == AssetStatus.ACTIVE:
        raise refused(f"{site} is inactive.", code="site_inactive", field="site")
    department: Department | None = asset.department
    if department is not None and department.site_id != site.pk:
        raise refused(
            f"{department.name} is not a department of {site.name}.", code="department_elsewhere", field="department"
        )
    if asset.status not in AssetStatus.values:
        raise refused(f"Status is one of {', '.join(AssetStatus.values)}.", code="invalid_status", field="status")
    if asset.purchase_date and asset.warranty_until and asset.warranty_until < asset.purchase_date:
        raise refused(
            "The warranty cannot end before the purchase date.", code="warranty_before_purchase", field="warranty_until"
        )
    if (
        asset.custodian_id is not None
        and not Membership.objects.filter(
            user_id=asset.custodian_id, tenant=connection_tenant(), status=Membership.Status.ACTIVE
        ).exists()
    ):
        raise refused(
            "The custodian must be an active member of this organisation.", code="not_a_member", field="custodian"
        )
    if not asset.category.is_active and asset._state.adding:
        raise refused(f"The category {asset.category} is retired.", code="category_inactive", field="category")


@transaction.atomic
def asset_create(*, name: str, category: AssetCategory, site: Workplace, acting_user: Any, **fields: Any) -> Asset:
    """A new asset with its code and label code. `fields`: any of ASSET_FIELDS."""
    unknown = set(fields) - set(ASSET_FIELDS)
    if unknown:
        raise TypeError(f"Unknown asset fields: {sorted(unknown)}")
    pk = _next_asset_id()
    asset = Asset(id=pk, code=f"AST-{pk:06d}", label_code=_label_code(), name=(name or "").strip(),
                  category=category, site=site, **fields)  # fmt: skip
    _asset_check(asset)
    asset.full_clean(exclude=["custodian", "site", "department", "category"])
    _as_actor(asset, acting_user)
    asset.save(force_insert=True)
    publish("asset.created", asset_payload(asset), tenant=connection_tenant())
    return asset


@transaction.atomic
def asset_update(*, asset: Asset, acting_user: Any, **changes: Any) -> Asset:
    """Change fields of ASSET_FIELDS; a new status also sends `asset.status_changed`."""
    unknown = set(changes) - set(ASSET_FIELDS)
    if unknown:
        raise refused(
            f"These fields cannot be changed: {', '.join(sorted(unknown))}.", code="read_only", field="__all__"
        )
    row = Asset.objects.select_for_update().select_related("category", "site").get(pk=asset.pk)
    previous = row.status
    if not any(getattr(row, name) != value for name, value in changes.items()):
        return row
    for name, value in changes.items():
        setattr(row, name, value)
    _asset_check(row)
    row.full_clean(exclude=["custodian", "site", "department", "category"])
    _as_actor(row, acting_user)
    row.save()
    tenant = connection_tenant()
    if row.status != previous:
        publish("asset.status_changed", asset_payload(row, previous_status=previous), tenant=tenant)
    return row


# --- meter readings --------------------------------------------------------------------------------------


@transaction.atomic
def reading_record(
    *, asset: Asset, value: Decimal, acting_user: Any, read_at: datetime.datetime | None = None,
    is_reset: bool = False, note: str = "",
) -> tuple[MeterReading, list[WorkOrder]]:  # fmt: skip
    """Record a meter reading (never lower than the last one unless `is_reset`), then make the work
    orders of the asset's meter-based plans whose threshold it crossed."""
    value = Decimal(value)
    if value < 0:
        raise refused("A meter reading cannot be negative.", code="invalid_reading", field="value")
    read_at = read_at or timezone.now()
    if read_at > timezone.now() + datetime.timedelta(minutes=5):
        raise refused("A reading cannot be in the future.", code="reading_in_future", field="read_at")
    row = Asset.objects.select_for_update().get(pk=asset.pk)  # one writer of an asset's meter at a time
    last = MeterReading.objects.filter(asset=row).order_by("-read_at", "-id").first()
    if last is not None and read_at < last.read_at:
        raise refused(f"The last reading was taken at {last.read_at:%Y-%m-%d %H:%M} UTC; record readings "
                      "in order.", code="reading_out_of_order", field="read_at")  # fmt: skip
    if last is not None and value < last.value and not is_reset:
        raise refused(f"The meter read {last.value} last time; a lower reading needs “meter reset”.",
                      code="reading_decreased", field="value")  # fmt: skip
    gained = value if (last is None or is_reset) else value - last.value
    total = (last.total if last is not None else Decimal(0)) + gained
    reading = MeterReading(asset=row, value=value, total=total, unit=row.meter_unit, read_at=read_at,
                           is_reset=is_reset, recorded_by=history_user(acting_user), note=note[:300])  # fmt: skip
    reading.full_clean()
    reading.save()
    made = []
    for plan in MaintenancePlan.objects.filter(asset=row, kind=PlanKind.METER, is_active=True):
        made += meter_work_orders_make(plan=plan, total=total, acting_user=acting_user)
    return reading, made


def meter_total(asset: Asset) -> Decimal:
    last = MeterReading.objects.filter(asset=asset).order_by("-read_at", "-id").only("total").first()
    return last.total if last is not None else Decimal(0)


# --- maintenance plans -----------------------------------------------------------------------------------


def plan_rule(plan: MaintenancePlan) -> tuple[Any, Any]:
    """(the parsed rule, the site's time zone); the rule is anchored at `starts_at` in local wall time."""
    site: Any = plan.site if plan.site_id else plan.asset.site  # type: ignore[union-attr]
    tz = zone(site.time_zone)
    assert plan.starts_at is not None
    return rule_parse(plan.rrule, dtstart=plan.starts_at.astimezone(tz).replace(tzinfo=None)), tz


def _plan_check(plan: MaintenancePlan) -> None:
    if (plan.asset_id is None) == (plan.category_id is None):
        raise refused(
            "A plan is for one asset, or for a category of assets at a site.", code="invalid_target", field="asset"
        )
    if plan.category_id is not None and plan.site_id is None:
        raise refused("A plan for a category names the site.", code="site_required", field="site")
    if plan.site_id is not None and plan.site.kind != WorkplaceKind.SITE:  # type: ignore[union-attr]
        raise refused(f"{plan.site} is not a site.", code="not_a_site", field="site")
    if not plan.template.is_active:
        raise refused(f"The template {plan.template.code} is retired.", code="template_inactive", field="template")
    if plan.kind == PlanKind.TIME:
        if plan.starts_at is None:
            raise refused("A time-based plan needs its first occurrence.", code="starts_at_required", field="starts_at")
        plan.meter_interval = None
        plan_rule(plan)  # refuses invalid_rrule, unbounded_rrule, empty_rrule
    elif plan.kind == PlanKind.METER:
        if plan.asset_id is None:
            raise refused("A meter-based plan is for one asset (its meter).", code="meter_needs_asset", field="asset")
        if plan.meter_interval is None or plan.meter_interval <= 0:
            raise refused(
                "Give the number of units between services.", code="invalid_meter_interval", field="meter_interval"
            )
        plan.rrule = ""
    else:
        raise refused(f"The kind is one of {', '.join(PlanKind.values)}.", code="invalid_kind", field="kind")


@transaction.atomic
def plan_create(
    *, name: str, template: TaskTemplate, kind: str, acting_user: Any, asset: Asset | None = None,
    category: AssetCategory | None = None, site: Workplace | None = None, rrule: str = "",
    starts_at: datetime.datetime | None = None, meter_interval: Decimal | None = None, lead_days: int = 14,
) -> MaintenancePlan:  # fmt: skip
    """A plan, and at once the work orders already due within its lead time (or its meter's threshold)."""
    plan = MaintenancePlan(name=(name or "").strip(), template=template, kind=kind, asset=asset, category=category,
                           site=site, rrule=(rrule or "").strip(), starts_at=starts_at, meter_interval=meter_interval,
                           lead_days=lead_days, created_by=history_user(acting_user))  # fmt: skip
    _plan_check(plan)
    if kind == PlanKind.METER and asset is not None:
        plan.meter_start = meter_total(asset)
    plan.full_clean(exclude=["asset", "category", "site", "template", "created_by"])
    _as_actor(plan, acting_user)
    plan.save()
    if kind == PlanKind.TIME:
        work_orders_generate(plan=plan, now=timezone.now(), acting_user=acting_user)
    return plan


@transaction.atomic
def plan_update(*, plan: MaintenancePlan, acting_user: Any, **changes: Any) -> MaintenancePlan:
    """Change the name, rule, start, interval, lead time, template or `is_active`; work orders already made
    stay as they are (their tasks are people's work)."""
    allowed = {"name", "rrule", "starts_at", "meter_interval", "lead_days", "template", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise refused(
            f"These fields cannot be changed: {', '.join(sorted(unknown))}.", code="read_only", field="__all__"
        )
    row = MaintenancePlan.objects.select_for_update().get(pk=plan.pk)
    for name, value in changes.items():
        setattr(row, name, value)
    _plan_check(row)
    row.full_clean(exclude=["asset", "category", "site", "template", "created_by"])
    _as_actor(row, acting_user)
    row.save()
    return row


def plan_assets(plan: MaintenancePlan) -> list[Asset]:
    """The assets a plan looks after now: its asset, or the category's active assets at the site."""
    assets = Asset.objects.select_related("site", "custodian").exclude(status__in=[AssetStatus.RETIRED,
                                                                                  AssetStatus.LOST])  # fmt: skip
    if plan.asset_id is not None:
        return list(assets.filter(pk=plan.asset_id))
    return list(assets.filter(category_id=plan.category_id, site_id=plan.site_id).order_by("pk"))


def _work_order_make(
    *, plan: MaintenancePlan, asset: Asset, due_key: str, due_at: datetime.datetime | None, acting_user: Any,
    meter_total: Decimal | None = None,
) -> WorkOrder:  # fmt: skip
    template = plan.template
    custodian = asset.custodian if template.assignee_kind == AssigneeKind.NOBODY else None
    task = task_create_from_template(
        template=template, acting_user=acting_user, workplace=asset.site, due_at=due_at,
        title=f"{template.name}: {asset.name} ({asset.code})"[:200],
        assignee=custodian, origin_kind=ORIGIN_KIND, origin_id=f"{plan.pk}:{asset.pk}:{due_key}",
    )  # fmt: skip
    order = WorkOrder.objects.create(plan=plan, asset=asset, due_key=due_key, due_at=due_at, task=task,
                                     meter_total=meter_total)  # fmt: skip
    publish("maintenance.work_order_created", work_order_payload(order), tenant=connection_tenant())
    return order


@transaction.atomic
def work_orders_generate(*, plan: MaintenancePlan, now: datetime.datetime, acting_user: Any = None) -> list[WorkOrder]:
    """The work orders of a time-based plan due from `now` to `now + lead_days`, each made once."""
    plan = (
        MaintenancePlan.objects.select_for_update(of=("self",))
        .select_related("template", "site", "asset__site")
        .get(pk=plan.pk)
    )
    if not plan.is_active or plan.kind != PlanKind.TIME:
        return []
    rule, tz = plan_rule(plan)
    due = occurrences_between(rule, tz=tz, start=now, end=now + datetime.timedelta(days=plan.lead_days),
                              limit=MAX_AHEAD)  # fmt: skip
    if not due:
        return []
    assets = plan_assets(plan)
    keys = {occurrence_key(instant, tz): instant for instant in due}
    made_before = set(WorkOrder.objects.filter(plan=plan, due_key__in=keys).values_list("asset_id", "due_key"))
    made = []
    for key, instant in keys.items():
        for asset in assets:
            if (asset.pk, key) not in made_before:
                made.append(_work_order_make(plan=plan, asset=asset, due_key=key, due_at=instant,
                                             acting_user=acting_user))  # fmt: skip
    return made


@transaction.atomic
def meter_work_orders_make(*, plan: MaintenancePlan, total: Decimal, acting_user: Any = None) -> list[WorkOrder]:
    """A meter-based plan's work order when the asset's meter total reached the next multiple of the
    interval since the plan began (one work order however far past it the reading jumped)."""
    plan = (
        MaintenancePlan.objects.select_for_update(of=("self",))
        .select_related("template", "asset__site")
        .get(pk=plan.pk)
    )
    if not plan.is_active or plan.kind != PlanKind.METER or plan.meter_interval is None or plan.asset is None:
        return []
    step = int((total - plan.meter_start) // plan.meter_interval)
    if step < 1:
        return []
    last = WorkOrder.objects.filter(plan=plan).order_by("-meter_total", "-id").first()
    last_step = int((last.meter_total - plan.meter_start) // plan.meter_interval) if last and last.meter_total else 0
    if step <= last_step:
        return []
    order = _work_order_make(plan=plan, asset=plan.asset, due_key=f"meter-{step}", due_at=timezone.now(),
                             acting_user=acting_user, meter_total=total)  # fmt: skip
    return [order]


def plans_generate(*, now: datetime.datetime) -> int:
    """The beat's work in one tenant: every active time-based plan, each in its own transaction."""
    made = 0
    for plan_id in MaintenancePlan.objects.filter(is_active=True, kind=PlanKind.TIME).values_list("pk", flat=True):
        made += len(work_orders_generate(plan=MaintenancePlan(pk=plan_id), now=now))
    return made
