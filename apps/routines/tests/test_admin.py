"""The staff admin of routines: read only, hidden outside a tenant's schema, changelists in a number of
queries that does not grow with rows."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django_tenants.utils import tenant_context

from apps.routines.models import Routine
from apps.tasks.tests.admin_queries import changelists_queries

from .test_surfaces import _routine

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_urls(settings):
    settings.ROOT_URLCONF = "config.urls.platform"


def test_changelists_do_not_query_per_row(world, platform_superuser, platform_urls):
    _routine(world)
    few = changelists_queries("routines", platform_superuser, world.tenant)
    for _ in range(4):
        _routine(world)
    assert changelists_queries("routines", platform_superuser, world.tenant) == few
    assert set(few) == {"Routine", "Occurrence"}


def test_read_only_and_hidden_on_the_public_schema(world, platform_superuser):
    request = RequestFactory().get("/admin/")
    request.user = platform_superuser
    model_admin = admin.site._registry[Routine]
    assert not model_admin.has_module_permission(request)
    with tenant_context(world.tenant):
        assert model_admin.has_view_permission(request) and not model_admin.has_change_permission(request)
