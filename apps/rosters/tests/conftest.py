import datetime

import pytest
from django_tenants.utils import tenant_context

from apps.catalogue.tests.fixtures import acme_pro, catalogue, globex_pro, pro_plan, roles  # noqa: F401
from apps.core.contributions import AvailabilityProvider, contribute, contributions_reset
from apps.rosters.services import shift_type_create
from apps.workplaces.demo import workplaces_demo_seed
from apps.workplaces.models import Workplace
from tests.factories import MembershipFactory

AWAY: set[tuple[str, datetime.date]] = set()


def away(user_ids, day):
    return {user_id for user_id in user_ids if (str(user_id), day) in AWAY}


@pytest.fixture
def leave_provider():
    """A test availability provider standing in for the leave app: AWAY holds (user id, day) pairs."""
    AWAY.clear()
    contribute(AvailabilityProvider("rosters-test", f"{__name__}.away"))
    yield AWAY
    AWAY.clear()
    contributions_reset()


@pytest.fixture
def site(acme_pro):  # noqa: F811
    """Acme on a plan with Attendance, the demo sites (Australia/Sydney), and Day/Night shift types."""
    with tenant_context(acme_pro):
        workplaces_demo_seed()
        shift_type_create(
            code="DAY",
            name="Day",
            start_time=datetime.time(9),
            end_time=datetime.time(17, 30),
            unpaid_break_minutes=30,
            acting_user=None,
        )
        shift_type_create(
            code="NIGHT", name="Night", start_time=datetime.time(22), end_time=datetime.time(6), acting_user=None
        )
        return Workplace.objects.get(code="SYD-CBD")


@pytest.fixture
def acme_ctx(acme_pro):  # noqa: F811
    """`with acme_ctx():` runs ORM work in Acme's schema."""
    return lambda: tenant_context(acme_pro)


@pytest.fixture
def worker(acme):
    return MembershipFactory(tenant=acme, user__email="wendy@acme.test", user__full_name="Wendy Worker").user
