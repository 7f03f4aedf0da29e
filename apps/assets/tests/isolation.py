"""Globex's asset, plan and work order for the isolation matrix: acme's people and keys must neither see
nor scan them (a globex label code on acme's domain is `unknown_asset`, never globex's asset)."""

from importlib import import_module
from typing import Any

from django.utils import timezone

# Read at run time: a static import would pull tests/isolation_world.py into `mypy apps`.
CANARY: str = import_module("tests.isolation_world").CANARY

SEGMENTS = {
    ("assets", "key"): "asset_code",
    ("scan", "code"): "asset_label_code",
    ("maintenance-plans", "plan"): "maintenance_plan_id",
    ("plans", "pk"): "maintenance_plan_id",
}


def build(world: Any) -> None:
    from apps.assets.models import Asset, AssetCategory, MaintenancePlan
    from apps.tasks.models import TaskTemplate
    from apps.workplaces.models import Workplace

    schema, keep = world.globex.schema_name, world.keep
    region = keep(schema, Workplace.objects.create(kind="region", code="GXR-ASSET", name=f"Region {CANARY}"))
    area = keep(schema, Workplace.objects.create(kind="area", code="GXA-ASSET", name=f"Area {CANARY}", parent=region))
    site = keep(schema, Workplace.objects.create(kind="site", code="GX-ASSET", name=f"Site {CANARY}", parent=area))
    category = keep(schema, AssetCategory.objects.create(code="GXCAT", name=f"Category {CANARY}"))
    # A high id: acme's own assets (AST-000001 ...) never share the globex asset's code.
    asset = keep(schema, Asset.objects.create(id=990001, code="AST-990001", label_code="GXQR7ZKM2P",
                                              name=f"Asset {CANARY}", category=category, site=site))  # fmt: skip
    template = keep(schema, TaskTemplate.objects.create(code="GX-ASSET-SERVICE", name=f"Service {CANARY}"))
    plan = keep(schema, MaintenancePlan.objects.create(name=f"Plan {CANARY}", asset=asset, template=template,
                                                       kind="time", rrule="FREQ=MONTHLY;COUNT=3",
                                                       starts_at=timezone.now()))  # fmt: skip
    world.values["asset_code"] = (asset.code, True)
    world.values["asset_label_code"] = (asset.label_code, True)
    world.values["maintenance_plan_id"] = (plan.pk, True)
