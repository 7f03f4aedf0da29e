"""Services: hierarchy rules (also in the database), validation refusals, geofences, holidays, events."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_tenants.utils import tenant_context

from apps.audit.models import AuditEvent
from apps.core import events
from apps.workplaces.demo import workplaces_demo_seed
from apps.workplaces.models import Department, Workplace
from apps.workplaces.public_holidays import holidays_between
from apps.workplaces.services import (
    department_create,
    geofence_set,
    workplace_create,
    workplace_deactivate,
    workplace_update,
)

NSW = {"country": "AU", "time_zone": "Australia/Sydney", "holiday_subdivision": "NSW"}


@pytest.fixture
def tree(acme, acme_admin):
    with tenant_context(acme):
        region = workplace_create(kind="region", code="nsw", name="New South Wales", acting_user=acme_admin, **NSW)
        area = workplace_create(kind="area", code="SYD", name="Sydney", parent=region, acting_user=acme_admin, **NSW)
        site = workplace_create(kind="site", code="SYD-CBD", name="CBD", parent=area, acting_user=acme_admin, **NSW)
        yield {"region": region, "area": area, "site": site}


def _code(exc: ValidationError, field: str) -> str | None:
    return exc.error_dict[field][0].code


def test_create_normalises_defaults_and_audits(tree, acme):
    region = tree["region"]
    assert region.code == "NSW" and region.holiday_country == "AU"  # defaults to the address country
    assert tree["site"].parent_kind == "area"
    assert AuditEvent.objects.filter(chain=str(acme.pk), action="workplaces.workplace_created").count() >= 3
    assert region.history.count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone", "invalid_time_zone"),
        ({"country": "XX"}, "country", "invalid_country"),
        ({"holiday_country": "AU", "holiday_subdivision": "XYZ"}, "holiday_subdivision", "invalid_holiday_region"),
        ({"holiday_country": "QQ"}, "holiday_country", "invalid_holiday_region"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_written(acme, acme_admin, fields, field, code):
    with tenant_context(acme):
        with pytest.raises(ValidationError) as caught:
            workplace_create(kind="region", code="BAD", name="Bad", acting_user=acme_admin, **fields)
        assert _code(caught.value, field) == code
        assert not Workplace.objects.filter(code="BAD").exists()


def test_hierarchy_rules(tree, acme_admin):
    with pytest.raises(ValidationError) as caught:
        workplace_create(kind="site", code="ORPHAN", name="Orphan", acting_user=acme_admin)
    assert _code(caught.value, "parent") == "parent_kind"
    with pytest.raises(ValidationError):
        workplace_create(kind="site", code="S2", name="S2", parent=tree["region"], acting_user=acme_admin)
    with pytest.raises(ValidationError):
        workplace_create(kind="region", code="R2", name="R2", parent=tree["region"], acting_user=acme_admin)
    with pytest.raises(ValidationError) as caught:
        workplace_create(kind="region", code="nsw", name="Again", acting_user=acme_admin)
    assert _code(caught.value, "code") == "code_taken"


def test_the_database_keeps_the_hierarchy(tree):
    with pytest.raises(IntegrityError), transaction.atomic():  # a site under a region, bypassing the services
        Workplace.objects.filter(pk=tree["site"].pk).update(parent=tree["region"])
    with pytest.raises(IntegrityError), transaction.atomic():  # an area turned into a site under its sites
        Workplace.objects.filter(pk=tree["area"].pk).update(kind="site")
    with pytest.raises(IntegrityError), transaction.atomic():  # a department at an area
        Department.objects.create(site=tree["area"], code="X", name="X")


def test_deactivate_refuses_while_active_below(tree, acme_admin):
    with pytest.raises(ValidationError) as caught:
        workplace_deactivate(workplace=tree["region"], acting_user=acme_admin)
    assert caught.value.error_dict["__all__"][0].code == "has_active_children"
    workplace_deactivate(workplace=tree["site"], acting_user=acme_admin)
    workplace_update(workplace=tree["area"], is_active=False, acting_user=acme_admin)
    assert not Workplace.objects.get(code="SYD").is_active


def test_geofence_rules(tree, acme_admin):
    with pytest.raises(ValidationError) as caught:
        geofence_set(site=tree["area"], shape="circle", center_lat=0, center_lng=0, radius_m=50, acting_user=acme_admin)
    assert _code(caught.value, "site") == "not_a_site"
    with pytest.raises(ValidationError) as caught:
        geofence_set(site=tree["site"], shape="circle", center_lat=0, center_lng=0, radius_m=5, acting_user=acme_admin)
    assert "radius_m" in caught.value.error_dict
    with pytest.raises(ValidationError) as caught:
        geofence_set(site=tree["site"], shape="polygon", vertices=[[0, 0], [0, 1]], acting_user=acme_admin)
    assert "vertices" in caught.value.error_dict
    fence = geofence_set(site=tree["site"], shape="circle", center_lat=-33.87, center_lng=151.2, radius_m=100,
                         acting_user=acme_admin)  # fmt: skip
    polygon = [[-33.87, 151.2], [-33.87, 151.21], [-33.88, 151.21]]
    fence = geofence_set(site=tree["site"], shape="polygon", vertices=polygon, acting_user=acme_admin)
    fence.refresh_from_db()
    assert fence.shape == "polygon" and fence.radius_m is None and fence.history.count() == 2


def test_departments(tree, acme_admin):
    department_create(site=tree["site"], code="bakery", name="Bakery", acting_user=acme_admin)
    with pytest.raises(ValidationError) as caught:
        department_create(site=tree["site"], code="BAKERY", name="Again", acting_user=acme_admin)
    assert _code(caught.value, "code") == "code_taken"
    with pytest.raises(ValidationError):
        department_create(site=tree["area"], code="X", name="X", acting_user=acme_admin)


def test_holidays_of_a_subdivision(tree):
    start, end = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
    nsw = holidays_between(tree["site"], start, end)
    assert nsw[datetime.date(2026, 1, 26)] == "Australia Day"
    assert datetime.date(2026, 10, 5) in nsw and datetime.date(2026, 3, 9) not in nsw  # NSW's Labour Day
    vic = workplace_update(workplace=tree["site"], holiday_subdivision="VIC", acting_user=None)
    victoria = holidays_between(vic, start, end)
    assert datetime.date(2026, 3, 9) in victoria and datetime.date(2026, 11, 3) in victoria  # Labour Day, the Cup


def test_events_are_published_after_commit(tree, acme_admin, django_capture_on_commit_callbacks, monkeypatch):
    seen = []
    monkeypatch.setattr(events, "deliver", lambda event, items: seen.append((event, items[0][1]["code"])))
    with django_capture_on_commit_callbacks(execute=True):
        workplace_update(workplace=tree["site"], name="CBD Store", acting_user=acme_admin)
    assert seen == [("workplace.updated", "SYD-CBD")]


def test_demo_is_idempotent(acme):
    with tenant_context(acme):
        assert workplaces_demo_seed() == 4
        assert workplaces_demo_seed() == 0
        assert Workplace.objects.get(code="PARRAMATTA").geofence.radius_m == 200
