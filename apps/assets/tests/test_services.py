"""The rules of assets, readings and maintenance plans, in the tenant's schema."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.assets.models import Asset, WorkOrder
from apps.assets.selectors import plan_upcoming
from apps.assets.services import (
    ORIGIN_KIND,
    asset_create,
    asset_update,
    plan_create,
    reading_record,
    work_orders_generate,
)
from apps.notifications.models import Notification
from apps.tasks.models import Task
from apps.workplaces.models import Department, Workplace

from .conftest import at

pytestmark = pytest.mark.django_db


def code_of(exc: ValidationError) -> str | None:
    return next(iter(exc.error_dict.values()))[0].code


def test_asset_gets_codes_and_bad_input_is_refused(ops, globex_member, django_capture_on_commit_callbacks, events):
    with tenant_context(ops.tenant):
        assert ops.fridge.code == f"AST-{ops.fridge.pk:06d}" and len(ops.fridge.label_code) == 10
        area = Workplace.objects.get(code="SYD-METRO")
        other = Department.objects.create(site=Workplace.objects.get(code="PARRAMATTA"), code="DELI", name="Deli")
        bad = [
            ({"site": area}, "not_a_site"),
            ({"department": other}, "department_elsewhere"),
            ({"custodian": globex_member}, "not_a_member"),
            ({"purchase_date": datetime.date(2025, 1, 2), "warranty_until": datetime.date(2025, 1, 1)},
             "warranty_before_purchase"),
        ]  # fmt: skip
        for fields, code in bad:
            fields = {"site": ops.cbd, **fields}
            with pytest.raises(ValidationError) as refused:
                asset_create(name="X", category=ops.fridges, acting_user=ops.admin, **fields)
            assert code_of(refused.value) == code
        assert Asset.objects.count() == 1
        with django_capture_on_commit_callbacks(execute=True):
            asset_update(asset=ops.fridge, status="in_repair", custodian=ops.ann, acting_user=ops.admin)
        changed = [payload for name, payload in events if name == "asset.status_changed"]
        assert changed == [{**changed[0], "status": "in_repair", "previous_status": "active"}]
        assert ops.fridge.history.count() == 2


def test_readings_go_up_unless_reset_and_the_total_runs_on(ops):
    with tenant_context(ops.tenant):
        now = timezone.now()
        reading_record(
            asset=ops.fridge, value=Decimal(100), read_at=now - datetime.timedelta(hours=3), acting_user=None
        )
        with pytest.raises(ValidationError) as refused:
            reading_record(asset=ops.fridge, value=Decimal(90), acting_user=None)
        assert code_of(refused.value) == "reading_decreased"
        with pytest.raises(ValidationError) as refused:
            reading_record(asset=ops.fridge, value=Decimal(120), read_at=now - datetime.timedelta(hours=4),
                           acting_user=None)  # fmt: skip
        assert code_of(refused.value) == "reading_out_of_order"
        reset, _ = reading_record(asset=ops.fridge, value=Decimal(5), is_reset=True, acting_user=None,
                                  read_at=now - datetime.timedelta(hours=2))  # fmt: skip
        later, _ = reading_record(asset=ops.fridge, value=Decimal(25), acting_user=None)
        assert (reset.total, later.total) == (Decimal(105), Decimal(125))


def test_meter_plan_makes_one_work_order_per_threshold_crossed(ops, django_capture_on_commit_callbacks, events):
    with tenant_context(ops.tenant):
        asset_update(asset=ops.fridge, custodian=ops.ann, acting_user=ops.admin)
        start = timezone.now() - datetime.timedelta(hours=5)
        reading_record(asset=ops.fridge, value=Decimal(1180), read_at=start, acting_user=None)
        plan = plan_create(name="250 h", template=ops.template, kind="meter", asset=ops.fridge,
                           meter_interval=Decimal(250), acting_user=ops.admin)  # fmt: skip
        made = []
        with django_capture_on_commit_callbacks(execute=True):
            for hours, value in ((4, 1300), (3, 1440), (2, 1500), (1, 1700)):
                made += reading_record(asset=ops.fridge, value=Decimal(value), acting_user=None,
                                       read_at=timezone.now() - datetime.timedelta(hours=hours))[1]  # fmt: skip
        assert [order.due_key for order in made] == ["meter-1", "meter-2"]
        task = Task.objects.get(pk=made[0].task_id)
        assert (task.origin_kind, task.assignee_id, task.template_id) == (ORIGIN_KIND, ops.ann.pk, ops.template.pk)
        assert list(task.checklist.values_list("text", "is_required")) == [("Clean coils", True)]
        assert WorkOrder.objects.filter(plan=plan).count() == 2
        sent = [payload for name, payload in events if name == "maintenance.work_order_created"]
        assert [p["assignee"] for p in sent] == [str(ops.ann.pk)] * 2


def test_time_plan_across_daylight_saving_exactly_once(ops):
    """Weekly at 09:00 in Sydney across the April 2026 change (AEDT+11 → AEST+10): 09:00 local each week."""
    with tenant_context(ops.tenant):
        plan = plan_create(name="Weekly", template=ops.template, kind="time", asset=ops.fridge,
                           rrule="FREQ=WEEKLY;COUNT=6", starts_at=at("2026-03-23T09:00:00+11:00"), lead_days=30,
                           acting_user=ops.admin)  # fmt: skip
        now = at("2026-03-22T00:00:00+00:00")
        made = work_orders_generate(plan=plan, now=now)
        assert [o.due_key for o in made] == ["2026-03-23T09:00", "2026-03-30T09:00", "2026-04-06T09:00",
                                             "2026-04-13T09:00", "2026-04-20T09:00"]  # fmt: skip
        assert [o.due_at.hour for o in made] == [22, 22, 23, 23, 23]  # UTC moves, local stays
        assert work_orders_generate(plan=plan, now=now) == []
        upcoming = plan_upcoming(plan, now=now, count=6)
        assert [u.order is not None for u in upcoming] == [True] * 5 + [False]


@pytest.mark.parametrize(
    ("rrule", "code"),
    [
        ("FREQ=DAILY", "unbounded_rrule"),
        ("FREQ=DAILY;UNTIL=20000101T000000", "empty_rrule"),
        ("nonsense", "invalid_rrule"),
    ],
)
def test_bad_rules_are_refused_and_nothing_is_written(ops, rrule, code):
    with tenant_context(ops.tenant):
        with pytest.raises(ValidationError) as refused:
            plan_create(name="Bad", template=ops.template, kind="time", asset=ops.fridge, rrule=rrule,
                        starts_at=timezone.now(), acting_user=ops.admin)  # fmt: skip
        assert code_of(refused.value) == code
        assert not WorkOrder.objects.exists()


def test_category_plan_covers_each_asset_at_the_site(ops):
    with tenant_context(ops.tenant):
        second = asset_create(name="Fridge 2", category=ops.fridges, site=ops.cbd, acting_user=ops.admin)
        elsewhere = asset_create(name="Fridge P", category=ops.fridges, site=Workplace.objects.get(code="PARRAMATTA"),
                                 acting_user=ops.admin)  # fmt: skip
        plan_create(name="Monthly", template=ops.template, kind="time", category=ops.fridges, site=ops.cbd,
                    rrule="FREQ=MONTHLY;COUNT=3", starts_at=timezone.now() + datetime.timedelta(days=1),
                    acting_user=ops.admin)  # fmt: skip
        assets = set(WorkOrder.objects.values_list("asset_id", flat=True))
        assert assets == {ops.fridge.pk, second.pk} and elsewhere.pk not in assets


def test_the_assignee_is_told_once_per_work_order(ops, django_capture_on_commit_callbacks):
    """A work order is a task: the engine's task.assigned notice tells its assignee, and maintenance adds
    no second notice of its own."""
    with tenant_context(ops.tenant):
        asset_update(asset=ops.fridge, custodian=ops.ann, acting_user=ops.admin)
        with django_capture_on_commit_callbacks(execute=True):
            plan_create(name="Weekly", template=ops.template, kind="time", asset=ops.fridge,
                        rrule="FREQ=WEEKLY;COUNT=2", starts_at=timezone.now() + datetime.timedelta(hours=1),
                        lead_days=14, acting_user=ops.admin)  # fmt: skip
        tasks = set(WorkOrder.objects.values_list("task_id", flat=True))
        told = list(Notification.objects.filter(recipient=ops.ann).values_list("event", "payload__id"))
        assert len(tasks) == 2 and sorted(told) == sorted(("task.assigned", pk) for pk in tasks)
