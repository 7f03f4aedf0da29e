"""Reads on assets and maintenance, in the tenant's schema. Lists select their related rows: no query
per row; "not found" and "not yours" are the same 404."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from apps.core.recurrence import occurrence_key, occurrences_between, zone

from .models import LABEL_ALPHABET, LABEL_LENGTH, Asset, MaintenancePlan, PlanKind, WorkOrder
from .services import meter_total, plan_assets, plan_rule


def asset_list(
    *, site: Any = None, category: Any = None, status: str = "", custodian: Any = None, search: str = "",
    site_code: str = "", category_code: str = "",
) -> QuerySet[Asset]:  # fmt: skip
    assets = Asset.objects.select_related("category", "site", "department", "custodian")
    if site_code:
        assets = assets.filter(site__code=site_code)
    if category_code:
        assets = assets.filter(category__code=category_code)
    if site:
        assets = assets.filter(site=site)
    if category:
        assets = assets.filter(category=category)
    if status:
        assets = assets.filter(status=status)
    if custodian:
        assets = assets.filter(custodian=custodian)
    if search:
        assets = assets.filter(
            Q(code__icontains=search) | Q(serial_number__icontains=search) | Q(name__icontains=search)
            | Q(label_code=search.upper())
        )  # fmt: skip
    return assets


def asset_get(key: str | int) -> Asset:
    """An asset by id or code ("AST-000123")."""
    text = str(key).strip()
    lookup = Q(pk=int(text)) if text.isdigit() else Q(code=text.upper())
    found = asset_list().filter(lookup).first()
    if found is None:
        raise Http404("No such asset in this organisation.")
    return found


def asset_by_label(code: str) -> Asset | None:
    """The asset whose label carries `code` (in this tenant's schema only: another tenant's code is
    simply not found), or None."""
    text = (code or "").strip().upper()
    if len(text) != LABEL_LENGTH or any(ch not in LABEL_ALPHABET for ch in text):
        return None
    return asset_list().filter(label_code=text).first()


def plan_list(*, asset: Asset | None = None, site: Any = None) -> QuerySet[MaintenancePlan]:
    plans = MaintenancePlan.objects.select_related("asset", "asset__site", "category", "site", "template")
    if asset is not None:
        plans = plans.filter(Q(asset=asset) | Q(category_id=asset.category_id, site_id=asset.site_id))
    if site:
        plans = plans.filter(Q(site=site) | Q(asset__site=site))
    return plans


def plan_get(pk: int) -> MaintenancePlan:
    found = plan_list().filter(pk=pk).first()
    if found is None:
        raise Http404("No such maintenance plan in this organisation.")
    return found


def work_order_list(*, plan: Any = None, asset: Any = None, site: Any = None) -> QuerySet[WorkOrder]:
    orders = WorkOrder.objects.select_related("plan", "asset", "asset__site", "task")
    if plan is not None:
        orders = orders.filter(plan=plan)
    if asset is not None:
        orders = orders.filter(asset=asset)
    if site:
        orders = orders.filter(asset__site=site)
    return orders


@dataclass(frozen=True)
class Upcoming:
    """A work order to come: made already (`order`), or only planned (a preview of the rule)."""

    plan: MaintenancePlan
    asset: Asset
    due_at: datetime.datetime
    due_key: str
    order: WorkOrder | None = None


def plan_upcoming(plan: MaintenancePlan, *, now: datetime.datetime | None = None, count: int = 5) -> list[Upcoming]:
    """The next `count` occurrences of a time-based plan for each of its assets, joined with the work
    orders already made for them (two queries)."""
    if plan.kind != PlanKind.TIME or not plan.is_active:
        return []
    now = now or timezone.now()
    rule, tz = plan_rule(plan)
    instants = occurrences_between(rule, tz=tz, start=now, end=now + datetime.timedelta(days=3660), limit=count)
    return _joined(plan, instants, tz, plan_assets(plan))


def _joined(plan: MaintenancePlan, instants: list[datetime.datetime], tz: Any, assets: list[Asset]) -> list[Upcoming]:
    keys = [occurrence_key(instant, tz) for instant in instants]
    made = {(o.asset_id, o.due_key): o for o in work_order_list(plan=plan).filter(due_key__in=keys)}
    return [
        Upcoming(plan=plan, asset=asset, due_at=instant, due_key=key, order=made.get((asset.pk, key)))
        for instant, key in zip(instants, keys, strict=True)
        for asset in assets
    ]


def calendar_month(*, year: int, month: int, site: Any = None) -> dict[datetime.date, list[Upcoming]]:
    """Due work orders per day of a month (in each site's time zone): the made ones and the planned
    ones of active time-based plans. A query for the orders, one for the plans, one per plan's assets."""
    start = datetime.datetime(year, month, 1, tzinfo=datetime.UTC) - datetime.timedelta(days=1)
    end = (start + datetime.timedelta(days=33)).replace(day=1) + datetime.timedelta(days=1)
    days: dict[datetime.date, list[Upcoming]] = {}
    seen = set()
    for order in work_order_list(site=site).filter(due_at__gte=start, due_at__lt=end):
        assert order.due_at is not None
        item = Upcoming(plan=order.plan, asset=order.asset, due_at=order.due_at, due_key=order.due_key, order=order)
        seen.add((order.plan_id, order.asset_id, order.due_key))
        _place(days, item, year, month)
    for plan in plan_list(site=site).filter(kind=PlanKind.TIME, is_active=True):
        rule, tz = plan_rule(plan)
        instants = occurrences_between(rule, tz=tz, start=max(start, timezone.now()), end=end, limit=62)
        for item in _joined(plan, instants, tz, plan_assets(plan)):
            if (plan.pk, item.asset.pk, item.due_key) not in seen:
                _place(days, item, year, month)
    return dict(sorted(days.items()))


def _place(days: dict[datetime.date, list[Upcoming]], item: Upcoming, year: int, month: int) -> None:
    local = item.due_at.astimezone(zone(item.asset.site.time_zone)).date()
    if (local.year, local.month) == (year, month):
        days.setdefault(local, []).append(item)


def meter_next(plan: MaintenancePlan) -> tuple[Decimal, Decimal] | None:
    """A meter-based plan's asset's meter total now and the total at which its next work order is made."""
    if plan.kind != PlanKind.METER or plan.asset is None or not plan.meter_interval:
        return None
    total = meter_total(plan.asset)
    step = int((total - plan.meter_start) // plan.meter_interval)
    last = WorkOrder.objects.filter(plan=plan).exclude(meter_total=None).order_by("-meter_total", "-id").first()
    done = int((last.meter_total - plan.meter_start) // plan.meter_interval) if last and last.meter_total else 0
    return total, plan.meter_start + plan.meter_interval * (max(step, done) + 1)
