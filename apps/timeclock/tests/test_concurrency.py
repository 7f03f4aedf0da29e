"""Retries racing their original on real connections: one punch, whatever the interleaving (the rows are
committed by the workers and removed by the cleanup)."""

import datetime
import uuid

import pytest
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership
from apps.core.events import subscribe, unsubscribe
from apps.notifications.subscriber import on_event
from apps.timeclock.models import Punch
from apps.timeclock.services import PunchRefused, punch_record
from apps.webhooks.subscribers import webhook_events_write
from apps.workplaces.models import Geofence, Workplace
from apps.workplaces.services import geofence_set, workplace_create
from tests.factories import MembershipFactory
from tests.utils import run_on_own_connections

from .conftest import CBD


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
def test_concurrent_retries_make_one_punch(acme, subscribers_off):
    tag = uuid.uuid4().hex[:6].upper()

    def setup():
        with tenant_context(acme):
            user = MembershipFactory(tenant=acme, role=Membership.Role.MEMBER, user__email=f"race-{tag}@acme.test").user
            region = workplace_create(kind="region", code=f"R{tag}", name="R", acting_user=None)
            area = workplace_create(kind="area", code=f"A{tag}", name="A", parent=region, acting_user=None)
            site = workplace_create(kind="site", code=f"S{tag}", name="S", parent=area, acting_user=None)
            geofence_set(site=site, shape="circle", center_lat=CBD[0], center_lng=CBD[1], radius_m=150,
                         acting_user=None)  # fmt: skip
            return user, site.code, [region.pk, area.pk, site.pk]

    user, code, workplace_ids = _committed(setup)
    client_id, other_id = uuid.uuid4(), uuid.uuid4()
    at = datetime.datetime.now(datetime.UTC)
    outcomes = []

    def punch(cid, kind="in"):
        def run():
            with tenant_context(acme):
                try:
                    found, created = punch_record(user=user, client_id=cid, kind=kind, device_at=at, workplace=code,
                                                  lat=CBD[0], lng=CBD[1], accuracy_m=5,
                                                  access_checked=True)  # fmt: skip
                    outcomes.append(("created" if created else "retry", found.pk))
                except PunchRefused as refused:
                    outcomes.append((refused.code, None))

        return run

    def cleanup():
        # Rows first, then their history (deleting a row writes a "-" history row of its own).
        with tenant_context(acme):
            Punch.objects.filter(user_id=user.pk).delete()
            Punch.history.filter(user_id=user.pk).delete()
            Geofence.objects.filter(site_id__in=workplace_ids).delete()
            Geofence.history.filter(site_id__in=workplace_ids).delete()
            for pk in reversed(workplace_ids):
                Workplace.objects.filter(pk=pk).delete()
                Workplace.history.filter(id=pk).delete()
        Membership.objects.filter(user=user).delete()  # the user row stays, like the approvals race's

    try:
        run_on_own_connections(*[punch(client_id) for _ in range(4)], cleanup=lambda: None)
        kinds = sorted(kind for kind, _ in outcomes)
        assert kinds == ["created", "retry", "retry", "retry"]
        assert len({pk for _, pk in outcomes}) == 1
        # Two devices clock out at once with their own ids: one out, the other told it is not clocked in.
        run_on_own_connections(punch(uuid.uuid4(), "out"), punch(other_id, "out"), cleanup=lambda: None)
        assert sorted(kind for kind, _ in outcomes[4:]) == ["created", "not_clocked_in"]
        with tenant_context(acme):
            assert Punch.objects.filter(user_id=user.pk).count() == 2
    finally:
        _committed(cleanup)
