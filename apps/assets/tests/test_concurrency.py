"""Beat runs racing on real connections: each (plan, asset, occurrence) gets exactly one work order
(the rows are committed by the workers and removed by the cleanup)."""

import datetime
import uuid

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.assets.models import Asset, AssetCategory, MaintenancePlan, WorkOrder
from apps.assets.services import asset_create, category_create, plan_create, plans_generate
from apps.core.events import subscribe, unsubscribe
from apps.notifications.subscriber import on_event
from apps.tasks.models import Task, TaskTemplate
from apps.webhooks.subscribers import webhook_events_write
from apps.workplaces.models import Workplace
from apps.workplaces.services import workplace_create
from tests.utils import run_on_own_connections


@pytest.fixture
def subscribers_off():
    """The race commits for real: its events must not write webhook or notification rows that outlive it."""
    unsubscribe("*", on_event)
    unsubscribe("*", webhook_events_write)
    yield
    subscribe("*", on_event)
    subscribe("*", webhook_events_write)


def _committed(fn):
    result = []
    run_on_own_connections(lambda: result.append(fn()), cleanup=lambda: None)
    return result[0]


@pytest.mark.django_db
def test_concurrent_beat_runs_make_each_work_order_once(acme, subscribers_off):
    tag = uuid.uuid4().hex[:6].upper()
    first = timezone.now() + datetime.timedelta(hours=2)

    def setup():
        with tenant_context(acme):
            region = workplace_create(kind="region", code=f"R{tag}", name="R", acting_user=None)
            area = workplace_create(kind="area", code=f"A{tag}", name="A", parent=region, acting_user=None)
            site = workplace_create(kind="site", code=f"S{tag}", name="S", parent=area, acting_user=None,
                                    time_zone="Australia/Sydney")  # fmt: skip
            category = category_create(code=f"C{tag}", name="C", acting_user=None)
            template = TaskTemplate.objects.create(code=f"T{tag}", name="Service")
            assets = [asset_create(name=f"A{i}", category=category, site=site, acting_user=None) for i in range(2)]
            plan = plan_create(name=f"P{tag}", template=template, kind="time", category=category, site=site,
                               rrule="FREQ=DAILY;COUNT=10", starts_at=first, lead_days=3, acting_user=None)  # fmt: skip
            WorkOrder.objects.filter(plan=plan).delete()  # the creation made some: the racing runs must
            Task.objects.filter(origin_kind="assets.maintenance", origin_id__startswith=f"{plan.pk}:").delete()
            return [region.pk, area.pk, site.pk], category.pk, template.pk, [a.pk for a in assets], plan.pk

    workplace_ids, category_id, template_id, asset_ids, plan_id = _committed(setup)
    counts = []

    def run():
        with tenant_context(acme):
            counts.append(plans_generate(now=timezone.now()))

    def cleanup():
        with tenant_context(acme):
            task_ids = list(WorkOrder.objects.filter(plan_id=plan_id).values_list("task_id", flat=True))
            WorkOrder.objects.filter(plan_id=plan_id).delete()
            Task.objects.filter(pk__in=task_ids).delete()
            MaintenancePlan.objects.filter(pk=plan_id).delete()
            Asset.objects.filter(pk__in=asset_ids).delete()
            AssetCategory.objects.filter(pk=category_id).delete()
            TaskTemplate.objects.filter(pk=template_id).delete()
            for pk in reversed(workplace_ids):
                Workplace.objects.filter(pk=pk).delete()
            # Then their history (deleting a row writes a "-" history row of its own).
            Task.history.filter(id__in=task_ids).delete()
            MaintenancePlan.history.filter(id=plan_id).delete()
            Asset.history.filter(id__in=asset_ids).delete()
            AssetCategory.history.filter(id=category_id).delete()
            TaskTemplate.history.filter(id=template_id).delete()
            Workplace.history.filter(id__in=workplace_ids).delete()

    try:
        run_on_own_connections(run, run, run, cleanup=lambda: None)
        with tenant_context(acme):
            orders = WorkOrder.objects.filter(plan_id=plan_id)
            # Three daily occurrences within three days, for each of the two assets; whoever ran first made them.
            assert orders.count() == 6 and sum(counts) == 6
            assert len(set(orders.values_list("task_id", flat=True))) == 6
    finally:
        _committed(cleanup)
