"""The staff admin of the organisation: read-only, list pages in one query, hidden outside a tenant schema."""

import pytest
from django.contrib import admin
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django_tenants.utils import tenant_context

from apps.organisation.models import Entity, EntityType, MemberProfile

pytestmark = pytest.mark.django_db

MODELS = [EntityType, Entity, MemberProfile]


@pytest.fixture
def platform_urls(settings):
    """The admin's URLs are those of the platform domain (the staff browser renders them there)."""
    settings.ROOT_URLCONF = "config.urls.platform"


def _request(user, path="/admin/", **params):
    request = RequestFactory().get(path, params)
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.parametrize("model", MODELS)
def test_registered_read_only(model, acme, platform_superuser):
    model_admin = admin.site._registry[model]
    with tenant_context(acme):
        request = _request(platform_superuser)
        assert model_admin.has_view_permission(request)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


@pytest.mark.parametrize("model", MODELS)
def test_hidden_on_the_public_schema(model, platform_superuser, platform_client):
    request = _request(platform_superuser)
    assert not admin.site._registry[model].has_module_permission(request)
    assert not admin.site._registry[model].has_view_permission(request)


def test_the_platform_admin_index_does_not_break(platform_client, platform_superuser):
    platform_client.force_login(platform_superuser)
    response = platform_client.get("/admin/")
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "/admin/organisation/entity/" not in response.content.decode()


@pytest.mark.parametrize(
    ("model", "search", "expected"),
    [(Entity, "north", "Sales North"), (MemberProfile, "ann@", "ann@acme.test"), (EntityType, "team", "Team")],
)
def test_changelists_render_in_the_tenant_schema_in_few_queries(
    model, search, expected, acme, people, platform_superuser, platform_urls, django_assert_max_num_queries
):
    model_admin = admin.site._registry[model]
    with tenant_context(acme):
        request = _request(platform_superuser, f"/admin/organisation/{model._meta.model_name}/", q=search)
        with django_assert_max_num_queries(12):
            response = model_admin.changelist_view(request)
            response.render()
    page = response.content.decode()
    assert expected in page


def test_the_entity_changelist_does_not_query_per_row(acme, tree, make_entity, platform_superuser, platform_urls):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    model_admin = admin.site._registry[Entity]

    def count() -> int:
        with tenant_context(acme), CaptureQueriesContext(connection) as queries:
            model_admin.changelist_view(_request(platform_superuser, "/admin/organisation/entity/")).render()
        return len(queries)

    small = count()
    with tenant_context(acme):
        for n in range(10):
            make_entity(f"Team {n}", tree["support"], "team")
    assert count() == small
