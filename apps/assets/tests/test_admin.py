"""The staff admin of assets and maintenance: read-only, every changelist in a constant number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.assets.models import Asset, AssetCategory, MaintenancePlan, MeterReading, WorkOrder
from apps.assets.services import asset_create, plan_create, reading_record

from .admin_checks import assert_read_only_and_constant

pytestmark = pytest.mark.django_db
MODELS = [AssetCategory, Asset, MeterReading, MaintenancePlan, WorkOrder]


def _more(ops, n: int) -> None:
    with tenant_context(ops.tenant):
        for i in range(n):
            asset = asset_create(name=f"Fridge {n}-{i}", category=ops.fridges, site=ops.cbd, custodian=ops.ann,
                                 acting_user=ops.admin)  # fmt: skip
            reading_record(asset=asset, value=Decimal(10), acting_user=ops.admin)
            plan_create(name=f"Weekly {n}-{i}", template=ops.template, kind="time", asset=asset,
                        rrule="FREQ=WEEKLY;COUNT=2", starts_at=timezone.now() + datetime.timedelta(hours=1),
                        acting_user=ops.admin)  # fmt: skip


@pytest.mark.parametrize("model", MODELS)
def test_changelists_do_not_query_per_row(model, ops, platform_superuser, settings):
    settings.ROOT_URLCONF = "config.urls.platform"
    assert_read_only_and_constant(model, tenant=ops.tenant, user=platform_superuser, more=lambda n: _more(ops, n))
