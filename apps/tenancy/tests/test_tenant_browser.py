"""Staff browse a tenant's organisation read-only from the platform admin."""

import pytest
from django_tenants.utils import tenant_context

from apps.audit.models import AuditEvent
from apps.organisation.models import EntityType
from apps.organisation.services import entity_create

pytestmark = pytest.mark.django_db


def data_url(tenant, section: str) -> str:
    return f"/admin/tenancy/tenant/{tenant.pk}/data/{section}/"


def test_staff_see_a_tenants_entities_from_its_schema_only(platform_client, platform_superuser, acme, acme_root):
    with tenant_context(acme):
        entity_create(name="Acme Labs", entity_type=EntityType.objects.get(code="department"), parent=acme_root,
                      acting_user=None)  # fmt: skip
    platform_client.force_login(platform_superuser)
    page = platform_client.get(data_url(acme, "entities")).content.decode()
    assert "Acme Labs" in page and "Acme" in page
    other = platform_client.get(data_url(acme.__class__.objects.get(slug="globex"), "entities")).content.decode()
    assert "Acme Labs" not in other


def test_each_look_is_audited_and_search_filters(platform_client, platform_superuser, acme, acme_root):
    platform_client.force_login(platform_superuser)
    response = platform_client.get(data_url(acme, "entities"), {"q": "nothing-matches-this"})
    assert response.status_code == 200 and "Nothing here." in response.content.decode()
    event = AuditEvent.objects.filter(action="tenant.data_viewed").latest("id")
    assert event.after["section"] == "entities" and event.after["search"] == "nothing-matches-this"


def test_tenant_page_links_to_the_sections(platform_client, platform_superuser, acme):
    platform_client.force_login(platform_superuser)
    page = platform_client.get(f"/admin/tenancy/tenant/{acme.pk}/change/").content.decode()
    assert data_url(acme, "entities") in page and data_url(acme, "roles") in page


def test_query_count_does_not_grow_with_rows(platform_client, platform_superuser, acme, acme_root):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    platform_client.force_login(platform_superuser)
    platform_client.get(data_url(acme, "entities"))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        platform_client.get(data_url(acme, "entities"))
    with tenant_context(acme):
        department = EntityType.objects.get(code="department")
        for i in range(25):
            entity_create(name=f"Unit {i}", entity_type=department, parent=acme_root, acting_user=None)
    with CaptureQueriesContext(connection) as many:
        page = platform_client.get(data_url(acme, "entities")).content.decode()
    assert "Unit 24" in page
    assert len(many) == len(few)


def test_unknown_section_and_outsiders_are_refused(platform_client, platform_superuser, acme, acme_admin):
    platform_client.force_login(platform_superuser)
    assert platform_client.get(data_url(acme, "nope")).status_code == 404
    platform_client.force_login(acme_admin)  # a tenant admin is not platform staff
    response = platform_client.get(data_url(acme, "entities"))
    assert response.status_code in (302, 403)
