"""The staff admin of time entries: the changelist in a number of queries that does not grow with rows."""

import pytest
from django_tenants.utils import tenant_context

from apps.tasks.tests.admin_queries import changelists_queries
from apps.timesheets.services import entry_add

from .conftest import at


@pytest.fixture
def platform_urls(settings):
    settings.ROOT_URLCONF = "config.urls.platform"


def test_changelist_does_not_query_per_row(ts, platform_superuser, platform_urls):
    with tenant_context(ts.tenant):
        entry_add(task=ts.tasks["ann"], user=ts.ann, started_at=at(1, 8), ended_at=at(1, 9), acting_user=ts.ann)
    few = changelists_queries("timesheets", platform_superuser, ts.tenant)
    with tenant_context(ts.tenant):
        for day in range(2, 6):  # past days only (an entry never ends in the future)
            for hour in (8, 10):
                entry_add(task=ts.tasks["open"], user=ts.mia, started_at=at(day, hour), ended_at=at(day, hour + 1),
                          acting_user=ts.mia)  # fmt: skip
    assert changelists_queries("timesheets", platform_superuser, ts.tenant) == few and set(few) == {"TimeEntry"}
