"""Tenants never see each other: rows, object permissions, portal and API."""

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import assign_perm

from apps.accounts.models import Membership
from apps.organisation.models import Entity, EntityType

pytestmark = pytest.mark.django_db


def _root() -> Entity:
    return Entity.objects.get(parent__isnull=True)


def _team() -> EntityType:
    return EntityType.objects.get(code="team")


def test_a_row_in_acme_is_invisible_from_globex(acme, globex):
    with tenant_context(acme):
        Entity.objects.create(name="Acme Research", entity_type=_team(), parent=_root())
        assert Entity.objects.filter(name="Acme Research").exists()
    with tenant_context(globex):
        assert not Entity.objects.filter(name="Acme Research").exists()


def test_guardian_permission_in_acme_does_not_match_same_pk_in_globex(acme, globex, acme_member):
    with tenant_context(acme):
        acme_entity = Entity.objects.create(id=424242, name="Shared pk", entity_type=_team(), parent=_root())
        assign_perm("organisation.change_entity", acme_member, acme_entity)
        assert ObjectPermissionChecker(acme_member).has_perm("change_entity", acme_entity)
    with tenant_context(globex):
        globex_entity = Entity.objects.create(id=424242, name="Shared pk", entity_type=_team(), parent=_root())
        assert not ObjectPermissionChecker(acme_member).has_perm("change_entity", globex_entity)
        assert not acme_member.has_perm("organisation.change_entity", globex_entity)


def test_portal_shows_the_tenant_to_its_member(acme_client, acme_member):
    acme_client.force_login(acme_member)
    response = acme_client.get("/manage/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Acme" in content
    assert acme_member.email in content


def test_portal_refuses_a_member_of_another_tenant(acme_client, globex_member):
    acme_client.force_login(globex_member)
    response = acme_client.get("/manage/")
    assert response.status_code == 403
    assert "not a member of this organisation" in response.content.decode()


@pytest.mark.parametrize(
    ("status", "message"),
    [(Membership.Status.SUSPENDED, "suspended"), (Membership.Status.REMOVED, "removed")],
)
def test_portal_refuses_inactive_members_with_a_clear_message(acme_client, acme_member, status, message):
    Membership.objects.filter(user=acme_member).update(status=status, removed_at=timezone.now())
    acme_client.force_login(acme_member)
    response = acme_client.get("/manage/")
    assert response.status_code == 403
    assert message in response.content.decode()


def test_portal_refuses_platform_staff_without_membership(acme_client, platform_superuser):
    acme_client.force_login(platform_superuser)
    assert acme_client.get("/manage/").status_code == 403


def test_tenant_api_returns_the_callers_tenant(acme_client, acme_member, acme):
    acme_client.force_login(acme_member)
    response = acme_client.get("/api/v1/tenant/")
    assert response.status_code == 200
    assert response.json()["id"] == str(acme.id)
    assert response.json()["primary_domain"] == "acme.localhost"


def test_tenant_api_refuses_outsiders(acme_client, globex_member):
    assert acme_client.get("/api/v1/tenant/").status_code == 403
    acme_client.force_login(globex_member)
    response = acme_client.get("/api/v1/tenant/")
    assert response.status_code == 403
    assert "not a member" in response.json()["detail"]


def test_platform_api_lists_tenants_for_staff_only(platform_client, platform_superuser, acme_admin):
    platform_client.force_login(acme_admin)
    assert platform_client.get("/api/platform/tenants/").status_code == 403
    platform_client.force_login(platform_superuser)
    response = platform_client.get("/api/platform/tenants/")
    assert response.status_code == 200
    slugs = {row["slug"] for row in response.json()["results"]}
    assert {"acme", "globex"} <= slugs
    assert "_template" not in slugs and "_platform" not in slugs


def test_platform_tenant_list_does_not_query_per_row(
    platform_client, platform_superuser, django_assert_max_num_queries
):
    from apps.tenancy.services import tenant_create

    for i in range(3):
        tenant_create(name=f"Extra {i}", slug=f"extra-{i}", acting_user=platform_superuser)
    platform_client.force_login(platform_superuser)
    # Routing, session, user, tracked-session activity and the page itself: a constant, not one per row.
    with django_assert_max_num_queries(12):
        response = platform_client.get("/api/platform/tenants/")
    assert len(response.json()["results"]) >= 5
